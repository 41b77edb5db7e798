using Fabric.Host;
using Fabric.Messages;

namespace Fabric.Vfio;

/// <summary>
/// VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and VFIO_DEVICE_PCI_HOT_RESET (drivers/vfio/pci/
/// vfio_pci_core.c, vfio_pci_ioctl_get_pci_hot_reset_info and vfio_pci_ioctl_pci_hot_reset, in
/// the group-fd form of 3.12..6.1 that checks each fd with vfio_group_get_external_user). Fabric
/// models bus resets: the devices a reset affects are those on the device's bus (a device on no
/// bus has no slot or bus reset). Slot resets (a hotplug slot's own reset) are not modelled.
/// </summary>
public static class VfioHotReset
{
    public static PciHotResetInfo Info(HostTopology host, GetPciHotResetInfo c)
    {
        if (DeviceFile(host, c.DeviceFd, out var device) is { } notDevice) return Failed(notDevice);
        if (c.Argsz < GetPciHotResetInfo.MinSize)
            return Failed(Reject(Errno.EINVAL, $"argsz {c.Argsz} is below {GetPciHotResetInfo.MinSize}"));
        if (DeviceCanBeReset(device) is { } noReset) return Failed(noReset);
        var affected = DevicesOn(host, device.Bus!);
        var count = (uint)affected.Length;
        // The kernel writes the count back with -ENOSPC so the caller can size its buffer.
        if (c.Argsz < GetPciHotResetInfo.MinSize + count * GetPciHotResetInfo.DeviceSize)
            return new PciHotResetInfo(Reject(Errno.ENOSPC, $"argsz {c.Argsz} leaves no room for {count} devices ({GetPciHotResetInfo.MinSize} + {count} x {GetPciHotResetInfo.DeviceSize} bytes)"), count, []);
        // vfio_pci_fill_devs: a device with no IOMMU group cannot be isolated. Every device Fabric
        // knows is behind a PE, so this holds; the rule is tested alone.
        foreach (var d in affected)
            if (DeviceHasAnIommuGroup(d.Group, d.Device) is { } notIsolated) return Failed(notIsolated);
        return new PciHotResetInfo(SetupResult.Ok, count, affected);
    }

    public static (SetupResult, IFabricEvent[]) Reset(HostTopology host, PciHotReset c)
    {
        if (DeviceFile(host, c.DeviceFd, out var device) is { } notDevice) return (notDevice, []);
        if (c.Argsz < PciHotReset.MinSize) return (Reject(Errno.EINVAL, $"argsz {c.Argsz} is below {PciHotReset.MinSize}"), []);
        if (c.Flags != 0) return (Reject(Errno.EINVAL, $"flags 0x{c.Flags:x}: no flag is defined"), []);
        if (DeviceCanBeReset(device) is { } noReset) return (noReset, []);
        var affected = DevicesOn(host, device.Bus!);
        if (c.GroupFds.Length == 0 || c.GroupFds.Length > affected.Length)
            return (Reject(Errno.EINVAL, $"count {c.GroupFds.Length} must be 1..{affected.Length}, the devices on bus {device.Bus}"), []);
        var owned = new HashSet<int>();
        foreach (var fd in c.GroupFds)
        {
            // Each fd must be a group with IOMMU protection: vfio_group_get_external_user's checks.
            var (held, _) = VfioIoctls.Decide(host, new GetExternalUser(FdArgument.Raw(fd)));
            if (!held.Succeeded) return (held with { Detail = $"group fd {fd}: {held.Detail}" }, []);
            owned.Add(((VfioGroup)VfioIoctls.FileOf(host, fd)!).Id);
        }
        foreach (var d in affected)
        {
            if (DeviceHasAnIommuGroup(d.Group, d.Device) is { } notIsolated) return (notIsolated, []);
            if (CallerOwnsTheGroup(owned, d) is { } notOwned) return (notOwned, []);
        }
        return (SetupResult.Ok, [new PciBusReset(host.Name, device.Bus!, [.. affected.Select(d => d.Device)])]);
    }

    /// <summary>The ioctl is the device fd's: a bad fd -EBADF; a group or container fd does not know it, -ENOTTY.</summary>
    private static SetupResult? DeviceFile(HostTopology host, int fd, out (VfioGroup Group, string Name, string? Bus) device)
    {
        device = default;
        switch (VfioIoctls.FileOf(host, fd))
        {
            case (VfioGroup group, string name):
                device = (group, name, group.Buses.GetValueOrDefault(name));
                return null;
            case null:
                return Reject(Errno.EBADF, $"fd {fd} is not open");
            default:
                return Reject(Errno.ENOTTY, $"fd {fd} is a group or container fd, not a device's");
        }
    }

    /// <summary>pci_probe_reset_slot, then pci_probe_reset_bus: neither possible, -ENODEV.</summary>
    private static SetupResult? DeviceCanBeReset((VfioGroup Group, string Name, string? Bus) d) =>
        d.Bus is null ? Reject(Errno.ENODEV, $"device {d.Name} is on no bus that can be reset (add it with bus=)") : null;

    public static SetupResult? DeviceHasAnIommuGroup(int? group, string device) =>
        group is null ? Reject(Errno.EPERM, $"device {device} has no IOMMU group: it cannot be isolated, so it cannot be reset") : null;

    /// <summary>vfio_pci_validate_devs (later vfio_dev_in_groups): every affected device's group is among the fds.</summary>
    private static SetupResult? CallerOwnsTheGroup(HashSet<int> owned, PciDependentDevice d) =>
        owned.Contains(d.Group) ? null
            : Reject(Errno.EINVAL, $"device {d.Device} on bus {d.Bus} is in group {d.Group}, whose fd was not passed: the caller does not own it");

    /// <summary>Every device on the bus, with its group, in name order.</summary>
    public static PciDependentDevice[] DevicesOn(HostTopology host, string bus) =>
        host.Pes.Values
            .SelectMany(pe => pe.Vfio.Buses.Where(b => b.Value == bus).Select(b => new PciDependentDevice(pe.Group, bus, b.Key)))
            .OrderBy(d => d.Device, StringComparer.Ordinal)
            .ToArray();

    private static PciHotResetInfo Failed(SetupResult r) => new(r, 0, []);
    private static SetupResult Reject(Errno e, string detail) => SetupResult.Fail(e, detail);
}
