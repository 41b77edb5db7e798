using Fabric.Host;
using Fabric.Messages;
using Fabric.Vfio;
using static Fabric.Kvm.LiobnBindings;

namespace Fabric.Kvm;

/// <summary>
/// The group design: the KVM-VFIO device's attributes (virt/kvm/vfio.c, kvm_vfio_set_group, in
/// the order of the Linux 4.x code that took an external user for every attribute) and
/// kvm_spapr_tce_attach_iommu_group / kvm_spapr_tce_release_iommu_group
/// (arch/powerpc/kvm/book3s_64_vio.c). Each check is a named rule, in the kernel's order.
/// </summary>
public static class KvmVfioDeviceIoctls
{
    /// <summary>KVM_DEV_VFIO_GROUP_ADD: fdget, vfio_group_get_external_user, then the device's list.</summary>
    public static (SetupResult, IFabricEvent[]) Add(HostTopology host, KvmVfioGroupAdd c)
    {
        if (ExternalUser(host, c.GroupFile, out var group) is { } refused) return Fail(refused);
        if (GroupIsNotInDevice(host, c.Vm, group) is { } twice) return Fail(twice);
        if (GroupIsInNoOtherVmsDevice(group) is { } other) return Fail(other);
        return Ok([new VfioExternalUserTaken(host.Name, group.Id, ByKvmDevice: true), new KvmVfioGroupAdded(host.Name, c.Vm, group.Id)]);
    }

    /// <summary>
    /// KVM_DEV_VFIO_GROUP_DEL. A group that did SET_SPAPR_TCE puts one reference on every link of
    /// every LIOBN to one of its tables (kvm_spapr_tce_release_iommu_group); the links are per
    /// table, and the table is the whole container's, so this is where seed 000's worry comes
    /// true: the last reference can go while other groups of the container still use the table.
    /// Then the device gives back its container user, which may take the group out.
    /// </summary>
    public static (SetupResult, IFabricEvent[]) Delete(HostTopology host, KvmVfioGroupDel c)
    {
        if (ExternalUser(host, c.GroupFile, out var group) is { } refused) return Fail(refused);
        var device = DeviceOf(host, c.Vm);
        if (GroupIsInDevice(device, c.Vm, group) is { } absent) return Fail(absent);
        var events = new List<IFabricEvent> { new KvmVfioGroupDeleted(host.Name, c.Vm, group.Id) };
        if (device.Groups[group.Id])
            foreach (var key in device.Links.Keys.Where(k => k.Container == group.Container))
                events.Add(new LiobnUnlinked(host.Name, c.Vm, key.Liobn, key.Container, key.Window, ClearHardware: false));
        VfioIoctls.GiveBackContainerUser(host, group, events);
        return WithLinksReleased(host, (SetupResult.Ok, events.ToArray()));
    }

    /// <summary>KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE {groupfd, tablefd}.</summary>
    public static (SetupResult, IFabricEvent[]) SetSpaprTce(HostTopology host, SetSpaprTce c)
    {
        if (VmUsesDesign(host, c.Vm, LiobnBinding.Group) is { } design) return Fail(design);
        if (ExternalUser(host, c.GroupFile, out var group) is { } refused) return Fail(refused);
        if (GroupIsInDevice(DeviceOf(host, c.Vm), c.Vm, group) is { } absent) return Fail(absent);
        if (!host.Vms[c.Vm].Tables.TryGetValue(c.Liobn, out var table))
            return Fail(Errno.EBADF, $"tablefd: VM {c.Vm} has no TCE table for LIOBN 0x{c.Liobn:x}");
        if (!table.InKernel)
            return Fail(Errno.EINVAL, $"tablefd: LIOBN 0x{c.Liobn:x} is not a KVM table of VM {c.Vm}; create it with tce-table first");
        var container = host.Containers[group.Container!];
        if (ContainerServesNoOtherVm(container, c.Vm) is { } busy) return Fail(busy);
        if (FirstCompatibleWindow(container, table) is not { } window) return Fail(NoCompatibleWindow(container, table));
        return Ok(GroupLinked(host, c.Vm, c.Liobn, group.Id, container, window));
    }

    /// <summary>
    /// KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE_LIOBN, seed 000's earlier form: argsz &lt; minsz -EINVAL,
    /// bad fd -EBADF, the external user's checks, then -ENOENT (the seed's code sets it before
    /// looking the group up in the device and the LIOBN up in KVM, so either missing is -ENOENT);
    /// the table is the group's window that starts at start_addr, and it must fit the LIOBN.
    /// </summary>
    public static (SetupResult, IFabricEvent[]) SetSpaprTceLiobn(HostTopology host, SetSpaprTceLiobn c)
    {
        if (VmUsesDesign(host, c.Vm, LiobnBinding.Group) is { } design) return Fail(design);
        if (c.ArgSz < Messages.SetSpaprTceLiobn.MinSz)
            return Fail(Errno.EINVAL, $"argsz {c.ArgSz} is smaller than the struct's {Messages.SetSpaprTceLiobn.MinSz} bytes (up to start_addr)");
        if (ExternalUser(host, c.GroupFile, out var group) is { } refused) return Fail(refused);
        if (GroupIsInDevice(DeviceOf(host, c.Vm), c.Vm, group) is { } absent) return Fail(absent);
        if (!host.Vms[c.Vm].Tables.TryGetValue(c.Liobn, out var table) || !table.InKernel)
            return Fail(Errno.ENOENT, $"KVM has no table for LIOBN 0x{c.Liobn:x} in VM {c.Vm}");
        var container = host.Containers[group.Container!];
        var window = container.Windows.FirstOrDefault(w => w.BusOffset == c.StartAddr);
        if (window is null)
            return Fail(Errno.EINVAL, $"group {group.Id}'s container {container.Id} has no window at bus address 0x{c.StartAddr:x}");
        if (!Fits(container, window, table)) return Fail(NoCompatibleWindow(container, table));
        if (ContainerServesNoOtherVm(container, c.Vm) is { } busy) return Fail(busy);
        return Ok(GroupLinked(host, c.Vm, c.Liobn, group.Id, container, window));
    }

    // ---- The rules ---------------------------------------------------------------------------------

    /// <summary>fdget and vfio_group_get_external_user, with VFIO's own checks and errnos.</summary>
    private static SetupResult? ExternalUser(HostTopology host, FdArgument fd, out VfioGroup group)
    {
        var (result, _) = VfioIoctls.Decide(host, new GetExternalUser(fd));
        group = result.Succeeded ? (VfioGroup)VfioIoctls.FileOf(host, VfioIoctls.Resolve(host, fd))! : null!;
        return result.Succeeded ? null : result;
    }

    private static SetupResult? GroupIsNotInDevice(HostTopology host, string vm, VfioGroup group) =>
        DeviceOf(host, vm).Groups.ContainsKey(group.Id) ? SetupResult.Fail(Errno.EEXIST, $"group {group.Id} is already in VM {vm}'s KVM-VFIO device") : null;

    /// <summary>Fabric's own: one VMM's KVM-VFIO device holds a group, never two VMs'.</summary>
    private static SetupResult? GroupIsInNoOtherVmsDevice(VfioGroup group) =>
        group.HeldByKvm ? SetupResult.Fail(Errno.EBUSY, $"group {group.Id} is held by another VM's KVM-VFIO device") : null;

    private static SetupResult? GroupIsInDevice(KvmVfioDevice device, string vm, VfioGroup group) =>
        device.Groups.ContainsKey(group.Id) ? null
            : SetupResult.Fail(Errno.ENOENT, $"group {group.Id} was not added to VM {vm}'s KVM-VFIO device; KVM_DEV_VFIO_GROUP_ADD it first");
}
