using Fabric.Host;
using Fabric.Messages;

namespace Fabric.Vfio;

/// <summary>
/// The VFIO ioctls of one host (drivers/vfio/vfio.c, spec vfio-iommufd.md section 1), decided
/// against its <see cref="HostTopology"/>: each check is a named rule, called in the kernel's
/// order, and Apply is the only mutation of the VFIO state. Fds are the host's, lowest free first.
/// </summary>
public static class VfioIoctls
{
    public const int FirstFd = 3;

    public static (SetupResult, IFabricEvent[]) Decide(HostTopology host, IVfioCommand command) => command switch
    {
        AddPciDevice c => AddDevice(host, c),
        OpenVfioGroup c => OpenGroup(host, c),
        OpenVfioContainer c => OpenContainer(host, c),
        CloseVfioFd c => Close(host, c),
        SetGroupContainer c => SetContainer(host, c),
        UnsetGroupContainer c => UnsetContainer(host, c),
        SetIommu c => SetIommu(host, c),
        GetDeviceFd c => GetDeviceFd(host, c),
        GetExternalUser c => GetExternalUser(host, c),
        PutExternalUser c => PutExternalUser(host, c),
        ExternalUserIommuId c => IommuId(host, c),
        RegisterMemory c => VfioMemoryRegistration.Register(host, c),
        UnregisterMemory c => VfioMemoryRegistration.Unregister(host, c),
        GetPciHotResetInfo c => (VfioHotReset.Info(host, c).Result, []),
        PciHotReset c => VfioHotReset.Reset(host, c),
        CreateSpaprTceWindow c => SpaprTceWindows.Create(host, c),
        RemoveSpaprTceWindow c => SpaprTceWindows.Remove(host, c),
        SetIommuDomain or CreateSdmdev or AttachSdmdevGroup or MapSdmdev => SharedDomainMdev.Decide(host, command),
        _ => Fail(Errno.EINVAL, $"{command.GetType().Name} is not a VFIO ioctl"),
    };

    // ---- The ioctls, each check in the kernel's order ------------------------------------------

    private static (SetupResult, IFabricEvent[]) AddDevice(HostTopology host, AddPciDevice c)
    {
        if (!host.Pes.TryGetValue(c.Group, out var pe)) return NoPe(host, c.Group);
        if (host.Pes.Values.Any(p => p.Vfio.Devices.ContainsKey(c.Device)))
            return Fail(Errno.EEXIST, $"host {host.Name} already has a device {c.Device}");
        return Ok(new PciDeviceAdded(host.Name, c.Group, c.Device, c.Driver, c.Bus));
    }

    /// <summary>vfio_group_fops_open.</summary>
    private static (SetupResult, IFabricEvent[]) OpenGroup(HostTopology host, OpenVfioGroup c)
    {
        if (!host.Pes.TryGetValue(c.Group, out var pe))
            return Fail(Errno.ENOENT, $"there is no /dev/vfio/{c.Group}: host {host.Name} has no PE {c.Group}");
        var group = pe.Vfio;
        if (GroupIsNotOpen(group) is { } open) return Fail(open);
        if (PreviousOpenLeftNoContainer(group) is { } inUse) return Fail(inUse);
        var fd = NextFd(host);
        return (SetupResult.Returned(fd), [new VfioGroupOpened(host.Name, c.Group, fd)]);
    }

    /// <summary>vfio_fops_open: a new, empty container.</summary>
    private static (SetupResult, IFabricEvent[]) OpenContainer(HostTopology host, OpenVfioContainer c)
    {
        if (host.Containers.ContainsKey(c.Container))
            return Fail(Errno.EEXIST, $"host {host.Name} already has a container called {c.Container}");
        var fd = NextFd(host);
        return (SetupResult.Returned(fd), [new VfioContainerOpened(host.Name, c.Container, fd)]);
    }

    /// <summary>close(2): vfio_group_fops_release, vfio_fops_release or vfio_device_fops_release.</summary>
    private static (SetupResult, IFabricEvent[]) Close(HostTopology host, CloseVfioFd c)
    {
        var fd = Resolve(host, c.Fd);
        var events = new List<IFabricEvent>();
        switch (FileOf(host, fd))
        {
            case VfioGroup group:
                events.Add(new VfioGroupClosed(host.Name, group.Id));
                if (group.Container is not null) GiveBackContainerUser(host, group, events);
                break;
            case VfioContainer container:
                events.Add(new VfioContainerClosed(host.Name, container.Id));
                if (container.Groups.Count == 0) events.Add(new VfioContainerFreed(host.Name, container.Id));
                break;
            case (VfioGroup group, string device):
                events.Add(new VfioDeviceClosed(host.Name, group.Id, device, fd!.Value));
                GiveBackContainerUser(host, group, events);
                break;
            default:
                return Fail(Errno.EBADF, $"{c.Fd} is not open");
        }
        return (SetupResult.Ok, events.ToArray());
    }

    /// <summary>VFIO_GROUP_SET_CONTAINER (vfio_group_set_container).</summary>
    private static (SetupResult, IFabricEvent[]) SetContainer(HostTopology host, SetGroupContainer c)
    {
        if (OpenGroupFile(host, c.Group, out var group) is { } closed) return Fail(closed);
        var fd = Resolve(host, c.ContainerFd);
        if (FdIsNotNegative(fd) is { } negative) return Fail(negative);
        if (GroupHasNoContainerUsers(group) is { } users) return Fail(users);
        if (host.Iommufd.IoasOf(group.Id) is { } ioas) return Fail(Errno.EBUSY, $"group {group.Id} is attached to IOAS {ioas}, which owns its DMA");
        var file = FileOf(host, fd);
        if (FdIsOpen(file, c.ContainerFd) is { } bad) return Fail(bad);
        if (FdIsAContainer(file, c.ContainerFd) is { } notContainer) return Fail(notContainer);
        var container = (VfioContainer)file!;
        if (NoIommuAndRealGroupsDoNotMix(host, container, group) is { } mixed) return Fail(mixed);
        if (container.HasDriver && SpaprTceIommu.AttachGroup(GroupsOf(host, container), group) is { } attach) return Fail(attach);

        var events = new List<IFabricEvent> { new VfioGroupAttached(host.Name, group.Id, container.Id) };
        if (container.HasDriver && container.Owner is { } vm && host.Vms.TryGetValue(vm, out var owner))
            events.Add(new PeOwnerChanged(host.Name, group.Id, vm, owner.HostBase, owner.RamBytes));
        return (SetupResult.Ok, events.ToArray());
    }

    /// <summary>VFIO_GROUP_UNSET_CONTAINER (vfio_group_unset_container).</summary>
    private static (SetupResult, IFabricEvent[]) UnsetContainer(HostTopology host, UnsetGroupContainer c)
    {
        if (OpenGroupFile(host, c.Group, out var group) is { } closed) return Fail(closed);
        if (GroupIsSet(group) is { } notSet) return Fail(notSet);
        if (GroupHasNoOtherUsers(group) is { } inUse) return Fail(inUse);
        var events = new List<IFabricEvent>();
        Detach(host, group, events);
        return (SetupResult.Ok, events.ToArray());
    }

    /// <summary>VFIO_SET_IOMMU (vfio_ioctl_set_iommu, then __vfio_container_attach_groups).</summary>
    private static (SetupResult, IFabricEvent[]) SetIommu(HostTopology host, SetIommu c)
    {
        if (OpenContainerFile(host, c.Container, out var container) is { } closed) return Fail(closed);
        if (ContainerHasGroups(container) is { } empty) return Fail(empty);
        if (ContainerHasNoDriver(container) is { } set) return Fail(set);
        if (DriverServesType(container, c.Type) is { } noDriver) return Fail(noDriver);
        var attached = new List<VfioGroup>();
        foreach (var group in GroupsOf(host, container))
        {
            if (SpaprTceIommu.AttachGroup(attached, group) is { } attach) return Fail(attach);
            attached.Add(group);
        }
        var windows = container.NoIommu ? [] : c.Windows;
        if (WindowsAreValid(windows) is { } badWindow) return Fail(badWindow);
        return Ok(new VfioIommuSet(host.Name, container.Id, c.Type, windows, [.. container.Groups]));
    }

    /// <summary>VFIO_GROUP_GET_DEVICE_FD (vfio_group_get_device_fd).</summary>
    private static (SetupResult, IFabricEvent[]) GetDeviceFd(HostTopology host, GetDeviceFd c)
    {
        if (OpenGroupFile(host, c.Group, out var group) is { } closed) return Fail(closed);
        if (GroupIsSet(group) is { } notSet) return Fail(notSet);
        var container = host.Containers[group.Container!];
        if (ContainerHasADriver(container) is { } noDriver) return Fail(noDriver);
        if (GroupIsViable(group) is { } notViable) return Fail(notViable);
        if (GroupHasDevice(group, c.Device) is { } noDevice) return Fail(noDevice);
        var fd = NextFd(host);
        return (SetupResult.Returned(fd), [new VfioDeviceOpened(host.Name, group.Id, c.Device, fd)]);
    }

    /// <summary>vfio_group_get_external_user(file), after the caller's fdget.</summary>
    private static (SetupResult, IFabricEvent[]) GetExternalUser(HostTopology host, GetExternalUser c)
    {
        var file = FileOf(host, Resolve(host, c.GroupFile));
        if (FdIsOpen(file, c.GroupFile) is { } bad) return Fail(bad);
        if (FileIsAGroup(file, c.GroupFile) is { } notGroup) return Fail(notGroup);
        var group = (VfioGroup)file!;
        if (GroupHasContainerUsers(group) is { } uninitialised) return Fail(uninitialised);
        if (GroupHasAnIommu(group) is { } noIommu) return Fail(noIommu);
        if (ContainerHasADriver(host.Containers[group.Container!]) is { } noDriver) return Fail(noDriver);
        if (GroupIsViable(group) is { } notViable) return Fail(notViable);
        return Ok(new VfioExternalUserTaken(host.Name, group.Id, ByKvmDevice: false));
    }

    /// <summary>vfio_group_put_external_user: the container user goes back, and with the last one the group leaves.</summary>
    private static (SetupResult, IFabricEvent[]) PutExternalUser(HostTopology host, PutExternalUser c)
    {
        if (!host.Pes.TryGetValue(c.Group, out var pe)) return NoPe(host, c.Group);
        if (CallerHoldsAnExternalUser(pe.Vfio) is { } none) return Fail(none);
        var events = new List<IFabricEvent> { new VfioExternalUserPut(host.Name, c.Group) };
        GiveBackContainerUser(host, pe.Vfio, events);
        return (SetupResult.Ok, events.ToArray());
    }

    /// <summary>vfio_external_user_iommu_id: the IOMMU group's id.</summary>
    private static (SetupResult, IFabricEvent[]) IommuId(HostTopology host, ExternalUserIommuId c)
    {
        if (!host.Pes.TryGetValue(c.Group, out var pe)) return NoPe(host, c.Group);
        if (CallerHoldsAnExternalUser(pe.Vfio) is { } none) return Fail(none);
        return (SetupResult.Returned(c.Group), []);
    }

    // ---- The rules, one each, named for what must hold --------------------------------------

    private static SetupResult? GroupIsNotOpen(VfioGroup g) =>
        g.Fd is { } fd ? Reject(Errno.EBUSY, $"group {g.Id} is already open (fd {fd}); a group has one opener") : null;

    private static SetupResult? PreviousOpenLeftNoContainer(VfioGroup g) =>
        g.Container is { } c ? Reject(Errno.EBUSY, $"group {g.Id} is still in container {c} from a previous open (an external user holds it)") : null;

    private static SetupResult? FdIsNotNegative(int? fd) =>
        fd is < 0 ? Reject(Errno.EINVAL, $"fd {fd} is negative") : null;

    private static SetupResult? GroupHasNoContainerUsers(VfioGroup g) =>
        g.ContainerUsers != 0 ? Reject(Errno.EINVAL, $"group {g.Id} already has container users (it is in container {g.Container})") : null;

    private static SetupResult? FdIsOpen(object? file, FdArgument fd) =>
        file is null ? Reject(Errno.EBADF, $"{fd} is not open") : null;

    private static SetupResult? FdIsAContainer(object? file, FdArgument fd) =>
        file is not VfioContainer ? Reject(Errno.EINVAL, $"{fd} is not a container fd (/dev/vfio/vfio)") : null;

    private static SetupResult? FileIsAGroup(object? file, FdArgument fd) =>
        file is not VfioGroup ? Reject(Errno.EINVAL, $"{fd} is not a VFIO group file") : null;

    private static SetupResult? NoIommuAndRealGroupsDoNotMix(HostTopology host, VfioContainer c, VfioGroup g) =>
        c.Groups.Count > 0 && c.NoIommu != g.NoIommu
            ? Reject(Errno.EPERM, $"container {c.Id} holds {(c.NoIommu ? "no-IOMMU" : "IOMMU")} groups; group {g.Id} is {(g.NoIommu ? "a no-IOMMU" : "an IOMMU")} group")
            : null;

    private static SetupResult? GroupIsSet(VfioGroup g) =>
        g.Container is null ? Reject(Errno.EINVAL, $"group {g.Id} is in no container") : null;

    private static SetupResult? GroupHasNoOtherUsers(VfioGroup g) =>
        g.ContainerUsers != 1
            ? Reject(Errno.EBUSY, $"group {g.Id} is still in use: {g.DeviceFds.Count} device fd(s), {g.ExternalUsers + (g.HeldByKvm ? 1 : 0)} external user(s)")
            : null;

    private static SetupResult? ContainerHasGroups(VfioContainer c) =>
        c.Groups.Count == 0 ? Reject(Errno.EINVAL, $"container {c.Id} has no groups; VFIO_GROUP_SET_CONTAINER one first") : null;

    private static SetupResult? ContainerHasNoDriver(VfioContainer c) =>
        c.HasDriver ? Reject(Errno.EINVAL, $"container {c.Id} already has an IOMMU driver (type {c.IommuType})") : null;

    private static SetupResult? DriverServesType(VfioContainer c, int type) =>
        SpaprTceIommu.Serves(type, c.NoIommu) ? null
            : Reject(Errno.ENODEV, $"no IOMMU driver serves type {type} for a container of {(c.NoIommu ? "no-IOMMU" : "IOMMU")} groups (sPAPR TCE v2 is {Messages.SetIommu.SpaprTceV2}, no-IOMMU {Messages.SetIommu.NoIommu})");

    private static SetupResult? WindowsAreValid(HardwareWindow[] windows) =>
        windows.All(SpaprTceIommu.IsValidWindow) ? null
            : Reject(Errno.EINVAL, "a window needs page_shift 12..34, entries > 0 and a bus offset aligned to its page");

    internal static SetupResult? ContainerHasADriver(VfioContainer c) =>
        c.HasDriver ? null : Reject(Errno.EINVAL, $"container {c.Id} has no IOMMU driver; VFIO_SET_IOMMU first");

    private static SetupResult? GroupIsViable(VfioGroup g) =>
        g.Viable ? null
            : Reject(Errno.EINVAL, $"group {g.Id} is not viable: {string.Join(", ", g.Devices.Where(d => d.Value is not (AddPciDevice.VfioPci or AddPciDevice.NoDriver)).Select(d => $"{d.Key} is bound to {d.Value}"))}");

    private static SetupResult? GroupHasDevice(VfioGroup g, string device) =>
        g.Devices.ContainsKey(device) ? null : Reject(Errno.ENODEV, $"group {g.Id} has no device {device}");

    private static SetupResult? GroupHasContainerUsers(VfioGroup g) =>
        g.ContainerUsers > 0 ? null : Reject(Errno.EINVAL, $"group {g.Id} is not initialised: it is in no container");

    private static SetupResult? GroupHasAnIommu(VfioGroup g) =>
        g.NoIommu ? Reject(Errno.EPERM, $"group {g.Id} is a no-IOMMU group") : null;

    /// <summary>Fabric's guard: the kernel trusts its caller to put only what it got.</summary>
    private static SetupResult? CallerHoldsAnExternalUser(VfioGroup g) =>
        g.ExternalUsers > 0 ? null : Reject(Errno.EINVAL, $"no external user holds group {g.Id}");

    private static SetupResult? OpenGroupFile(HostTopology host, int id, out VfioGroup group)
    {
        group = host.Pes.TryGetValue(id, out var pe) ? pe.Vfio : null!;
        return group?.Fd is null ? Reject(Errno.EBADF, $"group {id} is not open; VFIO_GROUP_OPEN it first") : null;
    }

    internal static SetupResult? OpenContainerFile(HostTopology host, string id, out VfioContainer container)
    {
        container = host.Containers.GetValueOrDefault(id)!;
        return container?.Fd is null ? Reject(Errno.EBADF, $"container {id} is not open; VFIO_CONTAINER_OPEN it first") : null;
    }

    // ---- What the last container user going away does -------------------------------------------

    /// <summary>vfio_group_try_dissolve_container: one container user fewer; at 0 the group leaves.</summary>
    internal static void GiveBackContainerUser(HostTopology host, VfioGroup group, List<IFabricEvent> events)
    {
        if (group.ContainerUsers == 1) Detach(host, group, events);
    }

    /// <summary>__vfio_group_unset_container: the last group out releases the driver; a container nobody refers to is freed.</summary>
    private static void Detach(HostTopology host, VfioGroup group, List<IFabricEvent> events)
    {
        var container = host.Containers[group.Container!];
        events.Add(new VfioGroupDetached(host.Name, group.Id, container.Id));
        if (host.Pes[group.Id].Owner is not null) events.Add(new PeOwnerChanged(host.Name, group.Id, null, 0, 0));
        var last = container.Groups.Count == 1;
        if (last && container.HasDriver) events.Add(new VfioIommuReleased(host.Name, container.Id));
        if (last && container.Fd is null) events.Add(new VfioContainerFreed(host.Name, container.Id));
    }

    // ---- Files -------------------------------------------------------------------------------------

    /// <summary>The number an fd argument stands for; null for a named file that is not open.</summary>
    public static int? Resolve(HostTopology host, FdArgument fd) => fd.Of switch
    {
        FdOf.Container => host.Containers.GetValueOrDefault(fd.Container)?.Fd,
        FdOf.Group => host.Pes.GetValueOrDefault(fd.Number)?.Vfio.Fd,
        _ => fd.Number,
    };

    /// <summary>What fd refers to: a VfioGroup, a VfioContainer, (VfioGroup, device) or null.</summary>
    public static object? FileOf(HostTopology host, int? fd)
    {
        if (fd is not { } n || n < 0) return null;
        foreach (var pe in host.Pes.Values)
        {
            if (pe.Vfio.Fd == n) return pe.Vfio;
            if (pe.Vfio.DeviceFds.TryGetValue(n, out var device)) return (pe.Vfio, device);
        }
        return host.Containers.Values.FirstOrDefault(c => c.Fd == n);
    }

    /// <summary>The lowest fd not in use, from 3 (0..2 are the VMM's stdio).</summary>
    public static int NextFd(HostTopology host)
    {
        var used = host.Pes.Values.SelectMany(p => p.Vfio.DeviceFds.Keys.Append(p.Vfio.Fd ?? -1))
            .Concat(host.Containers.Values.Select(c => c.Fd ?? -1))
            .ToHashSet();
        var fd = FirstFd;
        while (used.Contains(fd)) fd++;
        return fd;
    }

    private static List<VfioGroup> GroupsOf(HostTopology host, VfioContainer c) => c.Groups.Select(g => host.Pes[g].Vfio).ToList();

    // ---- Apply -----------------------------------------------------------------------------------

    public static void Apply(HostTopology host, IVfioEvent e)
    {
        switch (e)
        {
            case PciDeviceAdded d:
                host.Pes[d.Group].Vfio.Devices[d.Device] = d.Driver;
                if (d.Bus is { } bus) host.Pes[d.Group].Vfio.Buses[d.Device] = bus;
                break;
            case VfioGroupOpened o: host.Pes[o.Group].Vfio.Fd = o.Fd; break;
            case VfioGroupClosed c:
                var closed = host.Pes[c.Group].Vfio;
                closed.Fd = null;
                if (closed.Container is not null) closed.ContainerUsers--;
                break;
            case VfioContainerOpened o: host.Containers[o.Container] = new VfioContainer(o.Container) { Fd = o.Fd }; break;
            case VfioContainerClosed c: host.Containers[c.Container].Fd = null; break;
            case VfioGroupAttached a:
                var joining = host.Pes[a.Group].Vfio;
                var into = host.Containers[a.Container];
                joining.Container = a.Container;
                joining.ContainerUsers = 1;
                into.Groups.Add(a.Group);
                into.NoIommu = joining.NoIommu;
                break;
            case VfioGroupDetached d:
                var leaving = host.Pes[d.Group].Vfio;
                leaving.Container = null;
                leaving.ContainerUsers = 0;
                leaving.ExternalUsers = 0;
                leaving.HeldByKvm = false;
                host.Containers[d.Container].Groups.Remove(d.Group);
                break;
            case VfioIommuSet s:
                host.Containers[s.Container].IommuType = s.Type;
                host.Containers[s.Container].Windows = s.Windows;
                break;
            case VfioIommuReleased r:
                VfioMemoryRegistration.Release(host, r.Container);
                host.Containers[r.Container].IommuType = null;
                host.Containers[r.Container].Windows = [];
                host.Containers[r.Container].Owner = null;
                host.Containers[r.Container].Bindings.Clear();
                break;
            case VfioContainerFreed f: host.Containers.Remove(f.Container); break;
            case VfioDeviceOpened o:
                var opener = host.Pes[o.Group].Vfio;
                opener.DeviceFds[o.Fd] = o.Device;
                opener.ContainerUsers++;
                break;
            case VfioDeviceClosed c:
                var device = host.Pes[c.Group].Vfio;
                device.DeviceFds.Remove(c.Fd);
                device.ContainerUsers--;
                break;
            case VfioExternalUserTaken t:
                var taken = host.Pes[t.Group].Vfio;
                taken.ContainerUsers++;
                if (t.ByKvmDevice) taken.HeldByKvm = true;
                else taken.ExternalUsers++;
                break;
            case VfioExternalUserPut p:
                var put = host.Pes[p.Group].Vfio;
                put.ContainerUsers--;
                put.ExternalUsers--;
                break;
            case MemoryRegistered or MemoryUnregistered: VfioMemoryRegistration.Apply(host, e); break;
            case SpaprTceWindowCreated or SpaprTceWindowRemoved: SpaprTceWindows.Apply(host, e); break;
            case IommuDomainSet or SdmdevCreated or SdmdevGroupAttached or SdmdevMapped: host.SharedDomains.Apply(e); break;
        }
    }

    /// <summary>
    /// The `container` shorthand: open each group and the container, set each group's container
    /// and the sPAPR TCE v2 driver with the windows, as a VMM does.
    /// </summary>
    public static void Apply(HostTopology host, ContainerCreated c)
    {
        foreach (var g in c.Groups) Apply(host, new VfioGroupOpened(c.Host, g, NextFd(host)));
        Apply(host, new VfioContainerOpened(c.Host, c.Id, NextFd(host)));
        foreach (var g in c.Groups) Apply(host, new VfioGroupAttached(c.Host, g, c.Id));
        Apply(host, new VfioIommuSet(c.Host, c.Id, Messages.SetIommu.SpaprTceV2, c.Windows, c.Groups));
    }

    private static SetupResult Reject(Errno e, string detail) => SetupResult.Fail(e, detail);
    private static (SetupResult, IFabricEvent[]) Fail(SetupResult r) => (r, []);
    private static (SetupResult, IFabricEvent[]) Fail(Errno e, string detail) => (SetupResult.Fail(e, detail), []);
    private static (SetupResult, IFabricEvent[]) Ok(params IFabricEvent[] events) => (SetupResult.Ok, events);
    private static (SetupResult, IFabricEvent[]) NoPe(HostTopology host, int group) =>
        Fail(Errno.ENOENT, $"host {host.Name} has no PE {group}; add it with `pe host={host.Name} id={group}`");
}
