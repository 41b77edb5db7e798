using Fabric.Container;
using Fabric.Ddw;
using Fabric.Iommufd;
using Fabric.Kvm;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vfio;

namespace Fabric.Host;

/// <summary>
/// The topology of one physical host: its guests (RAM, PHBs, TCE tables), its PEs, its VFIO
/// containers and which LIOBN each group is bound to. Decide checks a command and names the
/// events it causes, in the kernel's order of checks; Apply is the only mutation.
/// </summary>
public sealed class HostTopology
{
    /// <summary>Each guest's RAM is backed at its own 1 TiB of host physical space.</summary>
    public const int HostBaseShift = 40;

    /// <summary>
    /// The TCE entries one guest's tables may hold in all (KVM accounts every table's pages
    /// against RLIMIT_MEMLOCK at creation, kvm_vm_ioctl_create_spapr_tce): 1 GiB of TCEs.
    /// </summary>
    public const ulong MaxTableEntriesPerVm = 1UL << 27;

    public HostTopology(string name, LiobnBinding defaultBinding = LiobnBinding.Group)
    {
        Name = name;
        DefaultBinding = defaultBinding;
    }

    public string Name { get; }

    /// <summary>The binding design of a VM created without one (fabric.kvm.liobn-binding).</summary>
    public LiobnBinding DefaultBinding { get; }

    /// <summary>Each VM's KVM-VFIO side: its binding design, its device's groups, its LIOBN links.</summary>
    public Dictionary<string, KvmVfioDevice> KvmVfio { get; } = new();
    public Dictionary<string, VmInfo> Vms { get; } = new();
    public Dictionary<int, PeInfo> Pes { get; } = new();
    public Dictionary<string, VfioContainer> Containers { get; } = new();

    /// <summary>The EEH design of a guest PE defined without one (fabric.eeh.guest-pe).</summary>
    public GuestPeDesign DefaultGuestPeDesign { get; set; } = GuestPeDesign.Converge;

    /// <summary>Guest PEs by VM and id, each over its host PEs (IOMMU groups).</summary>
    public Dictionary<(string Vm, int Id), int[]> GuestPes { get; } = new();

    /// <summary>Each guest PE's PHB index (its BUID) and the guest bus of its devices (GuestPeAddress).</summary>
    public Dictionary<(string Vm, int Id), (int Phb, uint Bus)> GuestPeAddresses { get; } = new();

    /// <summary>The parents' IOMMU domains and the shared-domain mdevs on them (seed 001).</summary>
    public SharedDomains SharedDomains { get; } = new();

    /// <summary>The host's iommufd: its IOASes, their windows and mappings, the devices attached (seed 003).</summary>
    public IommufdContext Iommufd { get; } = new();

    /// <summary>
    /// How many hardware TCEs map host physical [start, start+length): the preregistered region's
    /// mapped count, read from the host's hardware tables. A topology with no hardware (replay) has none.
    /// </summary>
    public Func<ulong, ulong, long> HardwareTcesInto { get; set; } = static (_, _) => 0;

    public sealed record VmInfo(string Name, ulong RamBytes, ulong HostBase, int Vcpus)
    {
        public Dictionary<ulong, TceTableCreated> Tables { get; } = new();
        public Dictionary<int, PhbAdded> Phbs { get; } = new();

        /// <summary>Each PHB's DMA windows, by PHB index (what the DDW RTAS calls see and change).</summary>
        public Dictionary<int, PhbWindows> DmaWindows { get; } = new();

        /// <summary>How many times each LIOBN's window was removed: its table's journal holds as many markers.</summary>
        public Dictionary<ulong, int> Removals { get; } = new();

        /// <summary>What the guest's VMM process has preregistered (its mm's iommu_group_mem_list).</summary>
        public PreregisteredMemory Mm { get; } = new();
    }

    public sealed record PeInfo(int Group, int Phb, PeIommu Iommu)
    {
        /// <summary>The PE's IOMMU group as VFIO sees it.</summary>
        public VfioGroup Vfio { get; } = new(Group, Iommu);
        public string? Container => Vfio.Container;
        public string? Owner { get; set; }
    }

    public (SetupResult, IFabricEvent[]) Decide(IHostCommand command) => command switch
    {
        CreateVm c => CreateVm(c),
        AddPhb c => AddPhb(c),
        CreateTceTable c => CreateTable(c),
        PokeGuestRam c => Poke(c),
        AddHostPe c => AddPe(c),
        CreateContainer c => CreateContainer(c),
        BindGroupToLiobn c => Bind(c),
        DefineGuestPe c => DefineGuestPe(c),
        IKvmBindingCommand c => LiobnBindings.Decide(this, c),
        IVfioCommand c => LiobnBindings.WithLinksReleased(this, VfioIoctls.Decide(this, c)),
        IIommufdCommand c => IommufdIoctls.Decide(this, c),
        _ => (SetupResult.Fail(Errno.EINVAL, $"{command.GetType().Name} is not a topology command"), []),
    };

    /// <summary>`guest-pe`: a VM's guest PE over host PEs that no other guest PE has.</summary>
    private (SetupResult, IFabricEvent[]) DefineGuestPe(DefineGuestPe c)
    {
        if (!Vms.ContainsKey(c.Vm)) return NoVm(c.Vm);
        if (c.Groups is null || c.Groups.Length == 0) return Fail(Errno.EINVAL, "a guest PE needs at least one host PE (pes=1,2,...)");
        if (GuestPes.ContainsKey((c.Vm, c.Id))) return Fail(Errno.EEXIST, $"VM {c.Vm} already has guest PE {c.Id}");
        foreach (var g in c.Groups)
        {
            if (!Pes.ContainsKey(g)) return Fail(Errno.ENOENT, $"host {Name} has no PE {g}");
            if (GuestPes.FirstOrDefault(p => p.Value.Contains(g)) is { Value: not null } taken)
                return Fail(Errno.EBUSY, $"PE {g} already backs guest PE {taken.Key.Id} of VM {taken.Key.Vm}");
        }
        if (c.Groups.Distinct().Count() != c.Groups.Length) return Fail(Errno.EINVAL, "a host PE is named twice");
        var phb = c.Phb ?? c.Id;
        if (phb < 0) return Fail(Errno.EINVAL, $"PHB index {phb} is negative; give phb= a PHB index of the VM (0, 1, ...)");
        if (c.Bus > 0xff) return Fail(Errno.EINVAL, $"bus {c.Bus} is not a PCI bus number (0..255)");
        if (c.Groups.Length > 32) return Fail(Errno.EINVAL, $"{c.Groups.Length} host PEs do not fit on one bus (32 slots)");
        // QEMU: a PHB's VFIO container is its one PE, so the BUID names the guest PE.
        if (GuestPeAddresses.FirstOrDefault(a => a.Key.Vm == c.Vm && a.Value.Phb == phb) is { Key.Vm: not null } other)
            return Fail(Errno.EEXIST, $"PHB {phb} of VM {c.Vm} already holds guest PE {other.Key.Id}; give phb= another PHB index");
        return Ok(new GuestPeDefined(Name, c.Vm, c.Id, c.Groups, c.Design ?? DefaultGuestPeDesign, c.Phb, c.Bus));
    }

    private (SetupResult, IFabricEvent[]) CreateVm(CreateVm c)
    {
        if (Vms.ContainsKey(c.Name)) return Fail(Errno.EEXIST, $"a VM named {c.Name} already exists on host {Name}");
        if (c.RamBytes == 0 || c.RamBytes > 1UL << HostBaseShift)
            return Fail(Errno.EINVAL, "ram must be between 1 byte and 1T");
        if (c.Vcpus < 1 || c.Vcpus > 1024) return Fail(Errno.EINVAL, "vcpus must be between 1 and 1024");
        var hostBase = (ulong)(Vms.Count + 1) << HostBaseShift;
        var created = new VmCreated(Name, c.Name, c.RamBytes, hostBase, c.Vcpus);
        // No event means the group design, the only one a journal written before designs had.
        var design = c.Binding == LiobnBinding.HostDefault ? DefaultBinding : c.Binding;
        return design == LiobnBinding.Group ? Ok(created) : Ok(created, new VmBindingChosen(Name, c.Name, design));
    }

    private (SetupResult, IFabricEvent[]) AddPhb(AddPhb c)
    {
        if (!Vms.TryGetValue(c.Vm, out var vm)) return NoVm(c.Vm);
        if (c.Index < 0 || c.Index > 255) return Fail(Errno.EINVAL, "index must be 0..255 (it is part of the LIOBN)");
        if (vm.Phbs.ContainsKey(c.Index)) return Fail(Errno.EEXIST, $"VM {c.Vm} already has PHB {c.Index}");
        if (c.DmaWindowSize == 0 || (c.DmaWindowSize & 0xFFF) != 0)
            return Fail(Errno.EINVAL, "dma_win_size must be a non-zero multiple of 4K");
        var liobn = Messages.AddPhb.Liobn(c.Index, 0);
        if (vm.Tables.ContainsKey(liobn)) return Fail(Errno.EBUSY, $"LIOBN 0x{liobn:x} is taken");
        if (OverLockedMemory(vm, c.DmaWindowSize >> 12)) return TooMuchLocked(vm);
        return Ok(
            new PhbAdded(c.Vm, c.Index, c.Buid, liobn, c.DmaWindowSize, c.Ddw, c.PageSizeMask, c.Dma64WindowAddress),
            new TceTableCreated(c.Vm, liobn, 12, 0, c.DmaWindowSize >> 12, InKernel: false, InUserspace: true));
    }

    private (SetupResult, IFabricEvent[]) CreateTable(CreateTceTable c)
    {
        if (!Vms.TryGetValue(c.Vm, out var vm)) return NoVm(c.Vm);
        if (!TceTableGeometry.IsValidForKvm(c.PageShift, c.Offset, c.Size, c.Flags))
            return Fail(Errno.EINVAL, "flags must be 0, size non-zero, page_shift 12..34, and offset+size within the address space");
        if (DdwCalls.KvmTableOfAnActiveWindow(vm, c.Liobn) is { } disabled) return (disabled, []);
        if (!vm.Tables.ContainsKey(c.Liobn) && OverLockedMemory(vm, c.Size)) return TooMuchLocked(vm);
        if (vm.Tables.TryGetValue(c.Liobn, out var existing))
        {
            if (existing.InKernel) return Fail(Errno.EBUSY, $"KVM already has a table for LIOBN 0x{c.Liobn:x}");
            // QEMU creates the KVM table of its own window, with that window's geometry.
            if (existing.PageShift != c.PageShift || existing.Offset != c.Offset || existing.Size != c.Size)
                return Fail(Errno.EINVAL, $"LIOBN 0x{c.Liobn:x} is a QEMU window of another geometry (page_shift={existing.PageShift} offset={existing.Offset} size={existing.Size})");
        }
        return Ok(new TceTableCreated(c.Vm, c.Liobn, c.PageShift, c.Offset, c.Size, InKernel: true, InUserspace: true));
    }

    private (SetupResult, IFabricEvent[]) Poke(PokeGuestRam c)
    {
        if (!Vms.TryGetValue(c.Vm, out var vm)) return NoVm(c.Vm);
        if ((c.Gpa & 7) != 0) return Fail(Errno.EFAULT, "gpa must be 8-byte aligned");
        var bytes = (ulong)c.Words.Length * 8;
        if (c.Gpa >= vm.RamBytes || bytes > vm.RamBytes - c.Gpa)
            return Fail(Errno.EFAULT, $"gpa 0x{c.Gpa:x}..+0x{bytes:x} is outside the guest's RAM (0x{vm.RamBytes:x} bytes)");
        return Ok(new GuestRamWritten(c.Vm, c.Gpa, c.Words));
    }

    private (SetupResult, IFabricEvent[]) AddPe(AddHostPe c)
    {
        if (Pes.ContainsKey(c.Group)) return Fail(Errno.EEXIST, $"host {Name} already has PE {c.Group}");
        if (c.Group < 0 || c.Phb < 0) return Fail(Errno.EINVAL, "id and phb must not be negative");
        return Ok(new HostPeAdded(Name, c.Group, c.Phb, c.Iommu));
    }

    /// <summary>
    /// The `container` shorthand: open each group (a group already open or in a container -EBUSY, as
    /// a second open is) and a container, set each group's container and VFIO_SET_IOMMU(sPAPR TCE v2).
    /// </summary>
    private (SetupResult, IFabricEvent[]) CreateContainer(CreateContainer c)
    {
        if (Containers.ContainsKey(c.Id)) return Fail(Errno.EEXIST, $"host {Name} already has container {c.Id}");
        if (c.Groups.Length == 0) return Fail(Errno.EINVAL, "a container needs at least one group");
        foreach (var g in c.Groups)
        {
            if (!Pes.TryGetValue(g, out var pe)) return Fail(Errno.EBADF, $"host {Name} has no PE {g}; add it with `pe host={Name} id={g}`");
            if (pe.Container is not null) return Fail(Errno.EBUSY, $"PE {g} is already in container {pe.Container}");
            if (pe.Vfio.Fd is { } fd) return Fail(Errno.EBUSY, $"group {g} is already open (fd {fd})");
            if (Iommufd.IoasOf(g) is { } ioas) return Fail(Errno.EBUSY, $"PE {g} is attached to IOAS {ioas}, which owns its DMA");
        }
        if (c.Groups.Distinct().Count() != c.Groups.Length) return Fail(Errno.EBUSY, "a group is listed twice: its second open fails");
        if (c.Groups.Any(g => Pes[g].Iommu == PeIommu.None))
            return Fail(Errno.ENODEV, "a no-IOMMU group has no sPAPR TCE v2 driver; use the VFIO_* verbs with type=8");
        if (c.Groups.Any(g => Pes[g].Iommu == PeIommu.X86))
            return Fail(Errno.ENODEV, "a group behind an x86 IOMMU has no sPAPR TCE v2 driver; attach it to an IOAS instead");
        if (c.Groups.Select(g => Pes[g].Iommu).Distinct().Count() > 1)
            return Fail(Errno.EPERM, "the groups build their tables differently (ioda1 and ioda2) and cannot share a container");
        if (!c.Windows.All(SpaprTceIommu.IsValidWindow))
            return Fail(Errno.EINVAL, "a window needs page_shift 12..34, entries > 0 and a bus offset aligned to its page");
        return Ok(new ContainerCreated(Name, c.Id, c.Groups, c.Windows));
    }

    /// <summary>
    /// `bind`: KVM_DEV_VFIO_GROUP_ADD if the group is not in the KVM-VFIO device yet, then
    /// KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE, in the order of kvm_vfio_set_group and
    /// kvm_spapr_tce_attach_iommu_group (the separate calls are in Fabric.Kvm.KvmVfioDeviceIoctls).
    /// </summary>
    private (SetupResult, IFabricEvent[]) Bind(BindGroupToLiobn c)
    {
        if (!Vms.TryGetValue(c.Vm, out var vm)) return NoVm(c.Vm);
        if (LiobnBindings.VmUsesDesign(this, c.Vm, LiobnBinding.Container) is null) return BindContainerOf(c);
        if (!Pes.TryGetValue(c.Group, out var pe))
            return Fail(Errno.ENOENT, $"group {c.Group} was not added to the KVM-VFIO device (host {Name} has no such PE)");
        if (!vm.Tables.TryGetValue(c.Liobn, out var table))
            return Fail(Errno.EBADF, $"VM {c.Vm} has no TCE table for LIOBN 0x{c.Liobn:x}");
        if (!table.InKernel)
            return Fail(Errno.EINVAL, $"LIOBN 0x{c.Liobn:x} is not a KVM table of VM {c.Vm}; create it with tce-table first");
        if (pe.Container is null || !Containers.TryGetValue(pe.Container, out var container))
            return Fail(Errno.EINVAL, $"group {c.Group} is in no container, so it has no hardware table");
        if (!container.HasDriver)
            return Fail(Errno.EINVAL, $"container {container.Id} has no IOMMU driver, so group {c.Group} has no hardware table");
        if (LiobnBindings.ContainerServesNoOtherVm(container, c.Vm) is { } busy) return (busy, []);
        if (LiobnBindings.FirstCompatibleWindow(container, table) is not { } window)
            return (LiobnBindings.NoCompatibleWindow(container, table), []);
        var events = new List<IFabricEvent>();
        // The KVM-VFIO device holds the group as an external user while it is bound.
        // (GroupBound puts the group in the device's list.)
        if (!pe.Vfio.HeldByKvm) events.Add(new VfioExternalUserTaken(Name, c.Group, ByKvmDevice: true));
        events.AddRange(LiobnBindings.GroupLinked(this, c.Vm, c.Liobn, c.Group, container, window));
        return (SetupResult.Ok, events.ToArray());
    }

    /// <summary>
    /// `bind` in a VM of the container design: what QEMU would do there, KVM_SPAPR_TCE_BIND_VFIO
    /// of the group's container, once per container (a second group of a bound container is
    /// covered already). So one trace, or one recorded journal, runs in either design and the
    /// what-if re-run (fabric replay --against) can compare them.
    /// </summary>
    private (SetupResult, IFabricEvent[]) BindContainerOf(BindGroupToLiobn c)
    {
        if (!Pes.TryGetValue(c.Group, out var pe))
            return Fail(Errno.ENOENT, $"host {Name} has no PE {c.Group}");
        if (pe.Container is null)
            return Fail(Errno.EINVAL, $"group {c.Group} is in no container, so there is no container to bind LIOBN 0x{c.Liobn:x} to");
        var (result, events) = ContainerBindingIoctls.Bind(this, new BindVfioContainer(c.Vm, c.Liobn, FdArgument.OfContainer(pe.Container)));
        return result.Error == Errno.EEXIST ? (SetupResult.Ok, []) : (result, events);
    }

    public void Apply(IFabricEvent e)
    {
        switch (e)
        {
            case VmCreated v: Vms[v.Name] = new VmInfo(v.Name, v.RamBytes, v.HostBase, v.Vcpus); break;
            case PhbAdded p:
                Vms[p.Vm].Phbs[p.Index] = p;
                Vms[p.Vm].DmaWindows[p.Index] = PhbWindows.Of(p);
                break;
            case TceTableCreated t:
                Vms[t.Vm].Tables[t.Liobn] = t;
                DdwCalls.Apply(Vms[t.Vm], t);
                break;
            case TceTableRemoved r: DdwCalls.Apply(Vms[r.Vm], r); break;
            case HostPeAdded p: Pes[p.Group] = new PeInfo(p.Group, p.Phb, p.Iommu); break;
            case ContainerCreated c: VfioIoctls.Apply(this, c); break;
            case IVfioEvent v: VfioIoctls.Apply(this, v); break;
            case GroupBound b:
                LiobnBindings.Apply(this, b);
                DdwCalls.Apply(Vms[b.Vm], b.Liobn, b.Container);
                break;
            case IBindingEvent b:
                LiobnBindings.Apply(this, b);
                if (b is ContainerBound cb) DdwCalls.Apply(Vms[cb.Vm], cb.Liobn, cb.Container);
                break;
            case PeOwnerChanged o: Pes[o.Group].Owner = o.Vm; break;
            case GuestPeDefined d:
                GuestPes[(d.Vm, d.Id)] = d.Groups;
                GuestPeAddresses[(d.Vm, d.Id)] = (d.Phb ?? d.Id, d.Bus);
                break;
            case IIommufdEvent i: Iommufd.Apply(i); break;
        }
    }

    internal static bool OverLockedMemory(VmInfo vm, ulong entries) =>
        entries > MaxTableEntriesPerVm || vm.Tables.Values.Aggregate(0UL, (sum, t) => sum + t.Size) + entries > MaxTableEntriesPerVm;

    private (SetupResult, IFabricEvent[]) TooMuchLocked(VmInfo vm) =>
        Fail(Errno.ENOMEM, $"VM {vm.Name}'s TCE tables would hold more than {MaxTableEntriesPerVm} entries (1 GiB of locked memory); make the window smaller or use larger pages");

    private static (SetupResult, IFabricEvent[]) Ok(params IFabricEvent[] events) => (SetupResult.Ok, events);
    private static (SetupResult, IFabricEvent[]) Fail(Errno e, string detail) => (SetupResult.Fail(e, detail), []);
    private (SetupResult, IFabricEvent[]) NoVm(string vm) => Fail(Errno.ENOENT, $"host {Name} has no VM named {vm}; declare it with `vm name={vm} ram=...`");
}
