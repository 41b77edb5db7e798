using Fabric.Container;
using Fabric.Host;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vfio;

namespace Fabric.Kvm;

/// <summary>
/// The two designs of seed 000 for telling KVM which host IOMMU tables a guest LIOBN drives,
/// decided against a host's <see cref="HostTopology"/>: the KVM-VFIO device's group attributes
/// (<see cref="KvmVfioDeviceIoctls"/>, the design Linux merged) and the container ioctls
/// (<see cref="ContainerBindingIoctls"/>, the design David Gibson proposed). A VM has one of
/// them, chosen when it is created; the other's calls fail as the kernel fails a call it does
/// not have. Apply is the only mutation of the binding state.
/// </summary>
public static class LiobnBindings
{
    public static (SetupResult, IFabricEvent[]) Decide(HostTopology host, IKvmBindingCommand command)
    {
        if (!host.Vms.ContainsKey(command.Vm))
            return Fail(Errno.ENOENT, $"host {host.Name} has no VM named {command.Vm}; declare it with `vm name={command.Vm} ram=...`");
        return command switch
        {
            CheckExtension c => (SetupResult.Returned(Has(DeviceOf(host, c.Vm).Design, c.Capability) ? 1 : 0), []),
            KvmVfioGroupAdd c => KvmVfioDeviceIoctls.Add(host, c),
            KvmVfioGroupDel c => KvmVfioDeviceIoctls.Delete(host, c),
            SetSpaprTce c => KvmVfioDeviceIoctls.SetSpaprTce(host, c),
            SetSpaprTceLiobn c => KvmVfioDeviceIoctls.SetSpaprTceLiobn(host, c),
            BindVfioContainer c => ContainerBindingIoctls.Bind(host, c),
            UnbindVfioContainer c => ContainerBindingIoctls.Unbind(host, c),
            _ => Fail(Errno.EINVAL, $"{command.GetType().Name} is not a KVM binding call"),
        };
    }

    /// <summary>
    /// KVM_CHECK_EXTENSION: each design advertises its own call and not the other's (seed 000:
    /// "You'd need a capability to go with it").
    /// </summary>
    public static bool Has(LiobnBinding design, int capability) => capability switch
    {
        KvmCap.SpaprTce or KvmCap.SpaprTce64 => true,
        KvmCap.SpaprTceVfio => design == LiobnBinding.Group,
        KvmCap.SpaprTceBindVfio => design == LiobnBinding.Container,
        _ => false,
    };

    /// <summary>
    /// A call of the other design fails as Linux fails a call it does not know: an unknown
    /// KVM-VFIO device attribute is -ENXIO (kvm_vfio_set_attr), an unknown VM ioctl -ENOTTY
    /// (kvm_arch_vm_ioctl's default).
    /// </summary>
    public static SetupResult? VmUsesDesign(HostTopology host, string vm, LiobnBinding wanted)
    {
        var design = DeviceOf(host, vm).Design;
        if (design == wanted) return null;
        return wanted == LiobnBinding.Group
            ? SetupResult.Fail(Errno.ENXIO, $"VM {vm} binds LIOBNs to containers (KVM_SPAPR_TCE_BIND_VFIO): its KVM-VFIO device has no SET_SPAPR_TCE attribute")
            : SetupResult.Fail(Errno.ENOTTY, $"VM {vm} binds LIOBNs to groups (KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE): its KVM has no KVM_SPAPR_TCE_BIND_VFIO ioctl");
    }

    /// <summary>The VM's KVM-VFIO side; a VM journaled before designs were chosen has the group design, the only one it could have.</summary>
    public static KvmVfioDevice DeviceOf(HostTopology host, string vm)
    {
        if (!host.KvmVfio.TryGetValue(vm, out var device)) host.KvmVfio[vm] = device = new KvmVfioDevice(LiobnBinding.Group);
        return device;
    }

    // ---- Linking, as kvm_spapr_tce_attach_iommu_group picks a table --------------------------------

    /// <summary>The container's first window that can mirror the guest table (page size, bus offset, size).</summary>
    public static HardwareWindow? FirstCompatibleWindow(VfioContainer container, TceTableCreated table) =>
        container.Windows.FirstOrDefault(w => Fits(container, w, table));

    public static bool Fits(VfioContainer container, HardwareWindow window, TceTableCreated table) =>
        GroupBinding.Compatible(new HardwareTceTable(ContainerKeys.Window(container.Id, window.Index), window),
            new TceTableGeometry(table.Liobn, table.PageShift, table.Offset, table.Size));

    public static SetupResult NoCompatibleWindow(VfioContainer container, TceTableCreated table) =>
        SetupResult.Fail(Errno.EINVAL, $"no hardware window of container {container.Id} has a page size <= 2^{table.PageShift}, bus offset 0x{table.Offset << table.PageShift:x} and at least 0x{table.Size << table.PageShift:x} bytes");

    /// <summary>Fabric's own: a container's tables mirror one guest's LIOBNs, never two guests'.</summary>
    public static SetupResult? ContainerServesNoOtherVm(VfioContainer container, string vm) =>
        container.Owner is { } owner && owner != vm ? SetupResult.Fail(Errno.EBUSY, $"container {container.Id} belongs to VM {owner}") : null;

    /// <summary>The group's link (GroupBound) and the container's PEs becoming the guest's.</summary>
    public static IEnumerable<IFabricEvent> GroupLinked(HostTopology host, string vm, ulong liobn, int group, VfioContainer container, HardwareWindow window) =>
        GuestTakesContainer(host, vm, container).Prepend(new GroupBound(vm, liobn, group, container.Id, window.Index));

    /// <summary>Every PE of a bound container belongs to the guest: its DMA goes through the guest's translations.</summary>
    public static IEnumerable<IFabricEvent> GuestTakesContainer(HostTopology host, string vm, VfioContainer container)
    {
        var owner = host.Vms[vm];
        return container.Groups.Where(g => host.Pes[g].Owner != vm)
            .Select(g => (IFabricEvent)new PeOwnerChanged(host.Name, g, vm, owner.HostBase, owner.RamBytes));
    }

    /// <summary>
    /// The last group leaving a container releases its driver and its tables: every link of a
    /// LIOBN to them goes first, reference by reference, so no table mirrors into freed memory.
    /// </summary>
    public static (SetupResult, IFabricEvent[]) WithLinksReleased(HostTopology host, (SetupResult Result, IFabricEvent[] Events) decided)
    {
        if (!decided.Result.Succeeded || !decided.Events.Any(e => e is VfioIommuReleased)) return decided;
        var events = new List<IFabricEvent>();
        foreach (var e in decided.Events)
        {
            if (e is VfioIommuReleased released)
                foreach (var (vm, device) in host.KvmVfio)
                    foreach (var (key, references) in device.Links.Where(l => l.Key.Container == released.Container))
                    {
                        var already = events.Count(x => x is LiobnUnlinked u && u.Vm == vm && new LinkKey(u.Liobn, u.Container, u.Window) == key);
                        for (var i = already; i < references; i++)
                            events.Add(new LiobnUnlinked(host.Name, vm, key.Liobn, key.Container, key.Window, ClearHardware: false));
                    }
            events.Add(e);
        }
        return (decided.Result, events.ToArray());
    }

    // ---- Apply ---------------------------------------------------------------------------------

    public static void Apply(HostTopology host, IBindingEvent e)
    {
        switch (e)
        {
            case VmBindingChosen v:
                host.KvmVfio[v.Vm] = new KvmVfioDevice(v.Design);
                break;
            case KvmVfioGroupAdded a:
                DeviceOf(host, a.Vm).Groups[a.Group] = false;
                break;
            case KvmVfioGroupDeleted d:
                DeviceOf(host, d.Vm).Groups.Remove(d.Group);
                var group = host.Pes[d.Group].Vfio;
                group.ContainerUsers--;
                group.HeldByKvm = false;
                break;
            case ContainerBound b:
                Bound(host.Containers[b.Container], b.Vm, b.Liobn);
                DeviceOf(host, b.Vm).Reference(new LinkKey(b.Liobn, b.Container, b.Window));
                break;
            case LiobnUnlinked u:
                var device = DeviceOf(host, u.Vm);
                var last = device.Release(new LinkKey(u.Liobn, u.Container, u.Window));
                if (last && host.Containers.TryGetValue(u.Container, out var container)
                    && !device.Links.Keys.Any(k => k.Liobn == u.Liobn && k.Container == u.Container))
                    container.Bindings.Remove((u.Vm, u.Liobn));
                break;
        }
    }

    /// <summary>
    /// KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE took a reference on the link; the group's iommu_group is
    /// known from now on. The group is in the device's list ever after: `bind` adds it this way.
    /// </summary>
    public static void Apply(HostTopology host, GroupBound b)
    {
        Bound(host.Containers[b.Container], b.Vm, b.Liobn);
        var device = DeviceOf(host, b.Vm);
        device.Groups[b.Group] = true;
        device.Reference(new LinkKey(b.Liobn, b.Container, b.Window));
    }

    private static void Bound(VfioContainer container, string vm, ulong liobn)
    {
        container.Owner = vm;
        if (!container.Bindings.Contains((vm, liobn))) container.Bindings.Add((vm, liobn));
    }

    internal static (SetupResult, IFabricEvent[]) Fail(Errno e, string detail) => (SetupResult.Fail(e, detail), []);
    internal static (SetupResult, IFabricEvent[]) Fail(SetupResult r) => (r, []);
    internal static (SetupResult, IFabricEvent[]) Ok(IEnumerable<IFabricEvent> events) => (SetupResult.Ok, events.ToArray());
}
