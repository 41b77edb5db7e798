using Fabric.Messages;

namespace Fabric.Hosting.Trace;

/// <summary>
/// Runs a trace against a fresh fabric (../docs/trace-format.md): each call statement prints
/// one line, setup statements print only when they fail (with ret=-errno, the reason on the
/// error writer). Every invariant violation a DMA reveals prints right after it as a line
/// starting with "!". Exit codes: 0 clean, 1 an invariant was violated, 2 a malformed trace.
/// </summary>
public sealed partial class TraceRunner
{
    public const string DefaultHost = "h0";
    private readonly FabricRuntime _fabric;
    private readonly TextWriter _out;
    private readonly TextWriter _err;
    private readonly Dictionary<string, string> _vmHost = new();
    private readonly Dictionary<string, int> _violationsSeen = new();
    private int _violations;

    public TraceRunner(FabricRuntime fabric, TextWriter output, TextWriter errors)
    {
        _fabric = fabric;
        _out = output;
        _err = errors;
    }

    public Task<int> RunFile(string path) => Run(() => TraceParser.Read(path));

    public Task<int> RunText(string name, string text) => Run(() => TraceParser.ReadText(name, text));

    private async Task<int> Run(Func<IEnumerable<TraceStatement>> statements)
    {
        try
        {
            foreach (var s in statements()) await Execute(s);
        }
        catch (TraceFormatException e)
        {
            await _out.FlushAsync();
            await _err.WriteLineAsync(e.Error.Text);
            return 2;
        }
        return _violations > 0 ? 1 : 0;
    }

    /// <summary>
    /// Runs one statement, as <see cref="RunFile"/> would at its place: its output lines go to
    /// the output writer. Throws <see cref="TraceFormatException"/> when the statement cannot run
    /// (an unknown VM, a verb this version does not model). The what-if re-run
    /// (<c>fabric replay --against</c>) feeds a recorded journal through this one statement at a time.
    /// </summary>
    public Task RunStatement(TraceStatement s) => Execute(s);

    private Task Execute(TraceStatement s) => s.Verb switch
    {
        "vm" => Vm(s),
        "host" => Host(s),
        "phb" => Setup(s, HostOfVm(s), new AddPhb(VmName(s), Int(s, "index"), s.WordOrNull("ddw") != "off",
            s.NumberOr("pgsz", AddPhb.DefaultPageSizeMask), s.NumberOr("dma_win_size", AddPhb.DefaultWindowSize),
            s.NumberOr("dma64_win_addr", AddPhb.DefaultDma64WindowAddress))),
        "tce-table" => Setup(s, HostOfVm(s), new CreateTceTable(VmName(s), s.Number("liobn"), Int(s, "page_shift"),
            s.Number("offset"), s.Number("size"), 0)),
        "poke" => Setup(s, HostOfVm(s), new PokeGuestRam(VmName(s), s.Number("gpa"), [.. s.Numbers("be64")])),
        "pe" => Setup(s, s.Word("host"), new AddHostPe(Int(s, "id"), Int(s, "phb"), s.WordOrNull("iommu") switch
        {
            "ioda1" => PeIommu.Ioda1,
            "none" => PeIommu.None,
            "x86" => PeIommu.X86,
            _ => PeIommu.Ioda2,
        })),
        "device" => Setup(s, s.Word("host"), new AddPciDevice(Int(s, "pe"), s.Word("name"), s.Word("driver"), Bus(s))),
        "VFIO_GROUP_OPEN" => Ioctl(s, new OpenVfioGroup(Int(s, "group"))),
        "VFIO_CONTAINER_OPEN" => Ioctl(s, new OpenVfioContainer(s.Word("container"))),
        "CLOSE" => Ioctl(s, new CloseVfioFd(FdArg(s, "group", "container", "fd"))),
        "VFIO_GROUP_SET_CONTAINER" => Ioctl(s, new SetGroupContainer(Int(s, "group"), FdArg(s, "container", "fd"))),
        "VFIO_GROUP_UNSET_CONTAINER" => Ioctl(s, new UnsetGroupContainer(Int(s, "group"))),
        "VFIO_SET_IOMMU" => Ioctl(s, new SetIommu(s.Word("container"), Int(s, "type"), [Window(s)])),
        "VFIO_GROUP_GET_DEVICE_FD" => Ioctl(s, new GetDeviceFd(Int(s, "group"), s.Word("device"))),
        "VFIO_GROUP_GET_EXTERNAL_USER" => Ioctl(s, new GetExternalUser(FdArg(s, "group", "fd"))),
        "VFIO_GROUP_PUT_EXTERNAL_USER" => Ioctl(s, new PutExternalUser(Int(s, "group"))),
        "VFIO_EXTERNAL_USER_IOMMU_ID" => Ioctl(s, new ExternalUserIommuId(Int(s, "group"))),
        "VFIO_IOMMU_SPAPR_REGISTER_MEMORY" => Ioctl(s, new RegisterMemory(s.Word("container"), s.Word("vm"), s.Number("vaddr"), s.Number("size"), U32(s, "flags", 0), U32(s, "argsz", RegisterMemory.MinSize))),
        "VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY" => Ioctl(s, new UnregisterMemory(s.Word("container"), s.Word("vm"), s.Number("vaddr"), s.Number("size"), U32(s, "flags", 0), U32(s, "argsz", RegisterMemory.MinSize))),
        "VFIO_IOMMU_SPAPR_TCE_CREATE" => CreateSpaprTceWindow(s),
        "VFIO_IOMMU_SPAPR_TCE_REMOVE" => Ioctl(s, new RemoveSpaprTceWindow(s.Word("container"), s.Number("start_addr"), U32(s, "flags", 0), U32(s, "argsz", RemoveSpaprTceWindow.MinSize))),
        "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO" => HotResetInfo(s),
        "VFIO_DEVICE_PCI_HOT_RESET" => HotReset(s),
        "iommu-domain" => Setup(s, s.Word("host"), new SetIommuDomain(Int(s, "pe"), s.Word("type") == "dma" ? IommuDomainType.Dma : IommuDomainType.Unmanaged)),
        "sdmdev" => Setup(s, s.Word("host"), new CreateSdmdev(s.Word("name"), s.Word("parent"), Int(s, "group"))),
        "VFIO_SDMDEV_ATTACH" => Ioctl(s, new AttachSdmdevGroup(Int(s, "group"))),
        "VFIO_SDMDEV_MAP" => Ioctl(s, new MapSdmdev(Int(s, "group"), s.Number("iova"), s.Number("hpa"), s.Number("size"))),
        "SDMDEV_DMA" => SdmdevDma(s),
        "VFIO_EEH_PE_OP" => EehPeOp(s),
        "guest-pe" => GuestPe(s),
        "GUEST_PE_STATE" => GuestPeState(s),
        "EEH_INJECT" => EehInject(s),
        "RTAS_SET_EEH_OPTION" => GuestPeRtas(s, EehRtasCall.SetEehOption),
        "RTAS_READ_SLOT_RESET_STATE2" => GuestPeRtas(s, EehRtasCall.ReadSlotResetState2),
        "RTAS_SET_SLOT_RESET" => GuestPeRtas(s, EehRtasCall.SetSlotReset),
        "RTAS_CONFIGURE_PE" => GuestPeRtas(s, EehRtasCall.ConfigurePe),
        "RTAS_SLOT_ERROR_DETAIL" => GuestPeRtas(s, EehRtasCall.SlotErrorDetail),
        "RTAS_GET_CONFIG_ADDR_INFO2" => GuestPeRtas(s, EehRtasCall.GetConfigAddrInfo2),
        "RTAS_ERRINJCT" => GuestPeRtas(s, EehRtasCall.ErrInjct),
        "container" => Container(s),
        "bind" => Setup(s, s.WordOrNull("host") ?? HostOfVm(s), new BindGroupToLiobn(VmName(s), s.Number("liobn"), Int(s, "group"))),
        "H_PUT_TCE" => Hcall(s, new HPutTce(s.Number("liobn"), s.Number("ioba"), s.Number("tce"))),
        "H_GET_TCE" => Hcall(s, new HGetTce(s.Number("liobn"), s.Number("ioba"))),
        "H_STUFF_TCE" => Hcall(s, new HStuffTce(s.Number("liobn"), s.Number("ioba"), s.Number("tce"), s.Number("npages"))),
        "H_PUT_TCE_INDIRECT" => Hcall(s, new HPutTceIndirect(s.Number("liobn"), s.Number("ioba"), s.Number("tcelist"), s.Number("npages"))),
        "DMA" => Dma(s),
        "RTAS_QUERY_PE_DMA_WINDOW" or "RTAS_CREATE_PE_DMA_WINDOW" or "RTAS_REMOVE_PE_DMA_WINDOW" or "RTAS_RESET_PE_DMA_WINDOW" => Rtas(s),
        "KVM_CHECK_EXTENSION" => KvmIoctl(s, new CheckExtension(VmName(s), Int(s, "cap"))),
        "KVM_DEV_VFIO_GROUP_ADD" => KvmIoctl(s, new KvmVfioGroupAdd(VmName(s), FdArg(s, "group", "fd"))),
        "KVM_DEV_VFIO_GROUP_DEL" => KvmIoctl(s, new KvmVfioGroupDel(VmName(s), FdArg(s, "group", "fd"))),
        "KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE" => KvmIoctl(s, new SetSpaprTce(VmName(s), FdArg(s, "group", "fd"), s.Number("liobn"))),
        "KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE_LIOBN" => KvmIoctl(s, new SetSpaprTceLiobn(VmName(s), UInt(s, "argsz"), FdArg(s, "group", "fd"), s.Number("liobn"), s.Number("start_addr"))),
        "KVM_SPAPR_TCE_BIND_VFIO" => KvmIoctl(s, new BindVfioContainer(VmName(s), s.Number("liobn"), FdArg(s, "container", "fd"))),
        "KVM_SPAPR_TCE_UNBIND_VFIO" => KvmIoctl(s, new UnbindVfioContainer(VmName(s), s.Number("liobn"), FdArg(s, "container", "fd"))),
        _ when IommufdVerbs.Contains(s.Verb) => Iommufd(s),
        _ => throw new TraceFormatException(s.Error($"{s.Verb} is not modelled yet in this version of Fabric; remove the line or run it on a version that has it")),
    };

    private async Task Vm(TraceStatement s)
    {
        var name = s.Word("name");
        var host = s.WordOrNull("host") ?? DefaultHost;
        var binding = s.WordOrNull("binding") switch
        {
            "group" => LiobnBinding.Group,
            "container" => LiobnBinding.Container,
            _ => LiobnBinding.HostDefault,
        };
        if (await Setup(s, host, new CreateVm(name, s.Number("ram"), 1, binding))) _vmHost[name] = host;
    }

    private Task Host(TraceStatement s)
    {
        _fabric.Host(s.Word("name"));
        return Task.CompletedTask;
    }

    private Task Container(TraceStatement s)
    {
        var groups = s.Numbers("groups").Select(g => g > int.MaxValue ? throw new TraceFormatException(s.Error($"group {g} is too large")) : (int)g).ToArray();
        return Setup(s, s.Word("host"), new CreateContainer(s.Word("id"), groups, [Window(s)]));
    }

    /// <summary>The one hardware window of `container` and VFIO_SET_IOMMU: page_shift=, window_size=, bus_offset=.</summary>
    private static HardwareWindow Window(TraceStatement s)
    {
        var pageShift = Int(s, "page_shift", 12);
        var size = s.NumberOr("window_size", AddPhb.DefaultWindowSize);
        return new HardwareWindow(0, pageShift, s.NumberOr("bus_offset", 0), pageShift is >= 12 and <= 34 ? size >> pageShift : 0);
    }

    /// <summary>A VFIO ioctl: prints ret= (an fd or id on success, -errno on failure; the reason on the error writer).</summary>
    private Task Ioctl(TraceStatement s, IVfioCommand command) => Ioctl(s, s.Word("host"), command);

    /// <summary>A KVM ioctl on the VM's fd (or its KVM-VFIO device's): it runs on the VM's host.</summary>
    private Task KvmIoctl(TraceStatement s, IKvmBindingCommand command) => Ioctl(s, HostOfVm(s), command);

    private async Task Ioctl(TraceStatement s, string host, IHostCommand command)
    {
        var result = await _fabric.Setup(host, command);
        await _out.WriteLineAsync(TraceOutput.Line(s, TraceOutput.Ret(result.Ret)));
        if (!result.Succeeded) await _err.WriteLineAsync($"{s.Location}: {result.Detail}");
    }

    /// <summary>The fd argument named by exactly one of the keys (group=, container= or fd=).</summary>
    private static FdArgument FdArg(TraceStatement s, params string[] keys)
    {
        var given = keys.Where(s.Has).ToArray();
        if (given.Length != 1)
            throw new TraceFormatException(s.Error($"{s.Verb} takes exactly one of {string.Join(", ", keys.Select(k => k + "="))}"));
        return given[0] switch
        {
            "group" => FdArgument.OfGroup(Int(s, "group")),
            "container" => FdArgument.OfContainer(s.Word("container")),
            _ => FdArgument.Raw(s.Number("fd") <= uint.MaxValue
                ? unchecked((int)(uint)s.Number("fd"))
                : throw new TraceFormatException(s.Error($"fd={s.Number("fd")} does not fit in the ioctl's 32-bit int"))),
        };
    }

    private async Task<bool> Setup(TraceStatement s, string host, IHostCommand command)
    {
        var result = await _fabric.Setup(host, command);
        if (result.Succeeded) return true;
        await _out.WriteLineAsync(TraceOutput.SetupFailed(s, result.Error));
        await _err.WriteLineAsync($"{s.Location}: {result.Detail}");
        return false;
    }

    private async Task Hcall(TraceStatement s, IHypercall call)
    {
        var vm = VmName(s);
        var reply = await _fabric.Hcall(_vmHost[vm], vm, 0, call);
        if (reply is not HcallResult r) throw new TraceFormatException(s.Error(((SetupResult)reply).Detail));
        await _out.WriteLineAsync(call is HGetTce
            ? TraceOutput.Line(s, TraceOutput.GetTce(r.Ret, r.R4))
            : TraceOutput.Line(s, TraceOutput.Ret(r.Ret)));
    }

    private async Task Dma(TraceStatement s)
    {
        var host = s.Word("host");
        var dir = s.Word("dir") == "write" ? DmaDirection.Write : DmaDirection.Read;
        var reply = await _fabric.Dma(host, Int(s, "pe"), s.Number("ioba"), dir);
        if (reply is not DmaResult r) throw new TraceFormatException(s.Error(((SetupResult)reply).Detail));
        await _out.WriteLineAsync(TraceOutput.Line(s, TraceOutput.Dma(r.Outcome, r.Hpa)));
        await ReportViolations(host);
    }

    /// <summary>Prints each invariant violation the host found since the last report, as a line starting with "!".</summary>
    private async Task ReportViolations(string host)
    {
        var report = await _fabric.Invariants(host);
        var seen = _violationsSeen.GetValueOrDefault(host);
        foreach (var v in report.Violations.Skip(seen))
        {
            _violations++;
            await _out.WriteLineAsync($"! {v}");
        }
        _violationsSeen[host] = report.Violations.Length;
    }

    private string VmName(TraceStatement s)
    {
        var vm = s.WordOrNull("vm");
        if (vm is not null)
            return _vmHost.ContainsKey(vm) ? vm : throw new TraceFormatException(s.Error($"no VM named {vm}; declare it first with `vm name={vm} ram=...`"));
        return _vmHost.Count switch
        {
            1 => _vmHost.Keys.First(),
            0 => throw new TraceFormatException(s.Error("no VM is declared yet; add `vm name=g ram=2G` before this line")),
            _ => throw new TraceFormatException(s.Error($"the trace declares {_vmHost.Count} VMs; say which with vm=NAME")),
        };
    }

    private string HostOfVm(TraceStatement s) => _vmHost[VmName(s)];

    private static uint UInt(TraceStatement s, string key) =>
        s.Number(key) <= uint.MaxValue ? (uint)s.Number(key) : throw new TraceFormatException(s.Error($"{key}={s.Number(key)} does not fit in 32 bits"));

    private static int Int(TraceStatement s, string key, int fallback = 0)
    {
        var v = s.Has(key) ? s.Number(key) : (ulong)fallback;
        return v <= int.MaxValue ? (int)v : throw new TraceFormatException(s.Error($"{key}={v} is too large"));
    }
}
