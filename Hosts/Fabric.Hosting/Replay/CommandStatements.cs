using System.Globalization;
using Fabric.Messages;

namespace Fabric.Hosting.Replay;

/// <summary>
/// The trace statement a journaled host command (<see cref="HostCommandAnswered"/>) came from:
/// the inverse of the trace runner's ioctl and `bind` verbs (docs/trace-format.md), so an
/// exported trace makes the same ioctls in the same order. <see cref="Prints"/> is false for the
/// setup verbs (they print only when they fail).
/// </summary>
public static class CommandStatements
{
    public readonly record struct Statement(string Text, bool Prints);

    /// <summary>The statement, or null when the command has none (the reason in <paramref name="why"/>).</summary>
    public static Statement? Of(string host, IHostCommand command, out string why)
    {
        why = "";
        var h = $"host={host}";
        switch (command)
        {
            case CreateVm c:
                var binding = c.Binding switch
                {
                    LiobnBinding.Group => " binding=group",
                    LiobnBinding.Container => " binding=container",
                    _ => "",
                };
                return Setup($"vm name={c.Name} ram={Hex(c.RamBytes)} {h}{binding}");
            case AddPciDevice c:
                return Setup($"device {h} pe={c.Group} name={c.Device} driver={c.Driver}{Bus(c.Bus)}");
            case OpenVfioGroup c:
                return Call($"VFIO_GROUP_OPEN {h} group={c.Group}");
            case OpenVfioContainer c:
                return Call($"VFIO_CONTAINER_OPEN {h} container={c.Container}");
            case CloseVfioFd c:
                return Call($"CLOSE {h} {Fd(c.Fd, "group", "container")}");
            case SetGroupContainer c:
                return Call($"VFIO_GROUP_SET_CONTAINER {h} group={c.Group} {Fd(c.ContainerFd, "group", "container")}");
            case UnsetGroupContainer c:
                return Call($"VFIO_GROUP_UNSET_CONTAINER {h} group={c.Group}");
            case SetIommu c:
                if (c.Windows is not [{ Index: 0 } w])
                {
                    why = $"VFIO_SET_IOMMU on container {c.Container} with {c.Windows.Length} windows; a trace's VFIO_SET_IOMMU makes exactly one, window 0";
                    return null;
                }
                return Call($"VFIO_SET_IOMMU {h} container={c.Container} type={c.Type} page_shift={w.PageShift} window_size={Hex(w.Entries << w.PageShift)} bus_offset={Hex(w.BusOffset)}");
            case GetDeviceFd c:
                return Call($"VFIO_GROUP_GET_DEVICE_FD {h} group={c.Group} device={c.Device}");
            case GetExternalUser c:
                return Call($"VFIO_GROUP_GET_EXTERNAL_USER {h} {Fd(c.GroupFile, "group", "container")}");
            case PutExternalUser c:
                return Call($"VFIO_GROUP_PUT_EXTERNAL_USER {h} group={c.Group}");
            case ExternalUserIommuId c:
                return Call($"VFIO_EXTERNAL_USER_IOMMU_ID {h} group={c.Group}");
            case RegisterMemory c:
                return Call($"VFIO_IOMMU_SPAPR_REGISTER_MEMORY {h} container={c.Container} vm={c.Vm} vaddr={Hex(c.Vaddr)} size={Hex(c.Size)} flags={Hex(c.Flags)} argsz={c.Argsz}");
            case UnregisterMemory c:
                return Call($"VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY {h} container={c.Container} vm={c.Vm} vaddr={Hex(c.Vaddr)} size={Hex(c.Size)} flags={Hex(c.Flags)} argsz={c.Argsz}");
            case CreateSpaprTceWindow c:
                return Call($"VFIO_IOMMU_SPAPR_TCE_CREATE {h} container={c.Container} page_shift={c.PageShift} window_size={Hex(c.WindowSize)} levels={c.Levels} flags={Hex(c.Flags)} argsz={c.Argsz}");
            case RemoveSpaprTceWindow c:
                return Call($"VFIO_IOMMU_SPAPR_TCE_REMOVE {h} container={c.Container} start_addr={Hex(c.StartAddr)} flags={Hex(c.Flags)} argsz={c.Argsz}");
            case GetPciHotResetInfo c:
                return Call($"VFIO_DEVICE_GET_PCI_HOT_RESET_INFO {h} fd={Hex((uint)c.DeviceFd)} argsz={c.Argsz}");
            case PciHotReset c:
                if (c.GroupFds.Length == 0)
                {
                    why = "VFIO_DEVICE_PCI_HOT_RESET with no group fds; a trace's group_fds= lists at least one";
                    return null;
                }
                return Call($"VFIO_DEVICE_PCI_HOT_RESET {h} fd={Hex((uint)c.DeviceFd)} group_fds={string.Join(',', c.GroupFds.Select(f => Hex((uint)f)))} flags={Hex(c.Flags)} argsz={c.Argsz}");
            case SetIommuDomain c:
                return Setup($"iommu-domain {h} pe={c.Group} type={(c.Type == IommuDomainType.Dma ? "dma" : "unmanaged")}");
            case CreateSdmdev c:
                return Setup($"sdmdev {h} name={c.Name} parent={c.Parent} group={c.MdevGroup}");
            case AttachSdmdevGroup c:
                return Call($"VFIO_SDMDEV_ATTACH {h} group={c.MdevGroup}");
            case MapSdmdev c:
                return Call($"VFIO_SDMDEV_MAP {h} group={c.MdevGroup} iova={Hex(c.Iova)} hpa={Hex(c.Hpa)} size={Hex(c.Size)}");
            case EehPeOpOnContainer c:
                var err = c.Err is { } e ? $" type={e.Type} func={e.Func} addr={Hex(e.Addr)} mask={Hex(e.Mask)}" : "";
                return Call($"VFIO_EEH_PE_OP {h} {Fd(c.ContainerFd, "group", "container")} op={c.Op} argsz={c.Argsz} flags={Hex(c.Flags)}{err}");
            case EehInject { Group: { } g } c:
                return Call($"EEH_INJECT {h} pe={g}{Fault(c)}");
            case EehInject { Phb: { } phb } c:
                return Call($"EEH_INJECT {h} phb={phb}{Fault(c)}");
            case GuestPeRtasCall c:
                return Call(EehRtas(c));
            case GetGuestPeReport c:
                return Call($"GUEST_PE_STATE vm={c.Vm} id={c.Id}");
            case QueryPeDmaWindow c:
                return Call($"RTAS_QUERY_PE_DMA_WINDOW vm={c.Vm} buid={Hex(c.Buid)} cfg={Hex(c.ConfigAddr)} nret={c.Nret}");
            case CreatePeDmaWindow c:
                return Call($"RTAS_CREATE_PE_DMA_WINDOW vm={c.Vm} buid={Hex(c.Buid)} cfg={Hex(c.ConfigAddr)} page_shift={c.PageShift} window_shift={c.WindowShift}");
            case RemovePeDmaWindow c:
                return Call($"RTAS_REMOVE_PE_DMA_WINDOW vm={c.Vm} liobn={Hex(c.Liobn)}");
            case ResetPeDmaWindow c:
                return Call($"RTAS_RESET_PE_DMA_WINDOW vm={c.Vm} buid={Hex(c.Buid)} cfg={Hex(c.ConfigAddr)}");
            case BindGroupToLiobn c:
                return Setup($"bind vm={c.Vm} liobn={Hex(c.Liobn)} group={c.Group} {h}");
            case CheckExtension c:
                return Call($"KVM_CHECK_EXTENSION vm={c.Vm} cap={Hex((uint)c.Capability)}");
            case KvmVfioGroupAdd c:
                return Call($"KVM_DEV_VFIO_GROUP_ADD vm={c.Vm} {Fd(c.GroupFile, "group", "container")}");
            case KvmVfioGroupDel c:
                return Call($"KVM_DEV_VFIO_GROUP_DEL vm={c.Vm} {Fd(c.GroupFile, "group", "container")}");
            case SetSpaprTce c:
                return Call($"KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE vm={c.Vm} {Fd(c.GroupFile, "group", "container")} liobn={Hex(c.Liobn)}");
            case SetSpaprTceLiobn c:
                return Call($"KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE_LIOBN vm={c.Vm} argsz={c.ArgSz} {Fd(c.GroupFile, "group", "container")} liobn={Hex(c.Liobn)} start_addr={Hex(c.StartAddr)}");
            case BindVfioContainer c:
                return Call($"KVM_SPAPR_TCE_BIND_VFIO vm={c.Vm} liobn={Hex(c.Liobn)} {Fd(c.ContainerFd, "group", "container")}");
            case UnbindVfioContainer c:
                return Call($"KVM_SPAPR_TCE_UNBIND_VFIO vm={c.Vm} liobn={Hex(c.Liobn)} {Fd(c.ContainerFd, "group", "container")}");
            default:
                if (IommufdStatements.Of(h, command) is { } ioctl) return Call(ioctl);
                why = $"a {command.GetType().Name} has no trace statement";
                return null;
        }
    }

    private static string Fault(EehInject c) => c.Fault == EehFault.ResetFail ? $" kind=reset-fail count={c.Count}" : "";

    /// <summary>The EEH RTAS verbs of TraceRunner.Eeh: each with the keys its call reads.</summary>
    private static string EehRtas(GuestPeRtasCall c)
    {
        var pe = c.Buid is { } buid ? $"vm={c.Vm} buid={Hex(buid)} cfg={Hex(c.ConfigAddr)}" : $"vm={c.Vm} id={c.Id}";
        return c.Call switch
        {
            EehRtasCall.SetEehOption => $"RTAS_SET_EEH_OPTION {pe} option={c.Option}",
            EehRtasCall.ReadSlotResetState2 => $"RTAS_READ_SLOT_RESET_STATE2 {pe} nret={c.Nret}",
            EehRtasCall.SetSlotReset => $"RTAS_SET_SLOT_RESET {pe} option={c.Option}",
            EehRtasCall.ConfigurePe => $"RTAS_CONFIGURE_PE {pe}",
            EehRtasCall.SlotErrorDetail => $"RTAS_SLOT_ERROR_DETAIL {pe} option={c.Option}",
            EehRtasCall.GetConfigAddrInfo2 => $"RTAS_GET_CONFIG_ADDR_INFO2 {pe} option={c.Option}{(c.Buid is null ? $" bus={c.Bus}" : "")}",
            _ => $"RTAS_ERRINJCT {pe} func={c.Err?.Func} type={c.Err?.Type} addr={Hex(c.Err?.Addr ?? 0)} mask={Hex(c.Err?.Mask ?? 0)}",
        };
    }

    private static Statement Call(string text) => new(text, true);
    private static Statement Setup(string text) => new(text, false);

    /// <summary>An fd argument as the statement named it: group=, container= or fd= (a 32-bit value).</summary>
    private static string Fd(FdArgument fd, string groupKey, string containerKey) => fd.Of switch
    {
        FdOf.Group => $"{groupKey}={fd.Number}",
        FdOf.Container => $"{containerKey}={fd.Container}",
        _ => $"fd={Hex((uint)fd.Number)}",
    };

    /// <summary>"0000:NN" is the trace's bus=N.</summary>
    private static string Bus(string? bus) =>
        bus is { Length: > 0 } && int.TryParse(bus[(bus.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var n)
            ? $" bus={Hex((uint)n)}"
            : "";

    private static string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);
}
