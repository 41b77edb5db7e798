namespace Fabric.Messages;

/// <summary>
/// VFIO_DEVICE_GET_PCI_HOT_RESET_INFO on a device fd ({argsz, flags, count, devices[]};
/// include/uapi/linux/vfio.h): which devices a reset of the device's bus also resets, and
/// their IOMMU groups. Argsz says how much room the caller left for the devices (8 bytes each).
/// </summary>
public sealed record GetPciHotResetInfo(int DeviceFd, uint Argsz) : IVfioCommand
{
    /// <summary>offsetofend(struct vfio_pci_hot_reset_info, count).</summary>
    public const uint MinSize = 12;

    /// <summary>sizeof(struct vfio_pci_dependent_device).</summary>
    public const uint DeviceSize = 8;
}

/// <summary>One struct vfio_pci_dependent_device: a device the reset affects and its IOMMU group.</summary>
public sealed record PciDependentDevice(int Group, string Bus, string Device) : IFabricMessage;

/// <summary>
/// The answer to <see cref="GetPciHotResetInfo"/>: the result (0 or -errno), the count the
/// kernel writes back (also on -ENOSPC, so the caller can size its buffer), and the devices.
/// </summary>
public sealed record PciHotResetInfo(SetupResult Result, uint Count, PciDependentDevice[] Devices) : IFabricMessage;

/// <summary>
/// VFIO_DEVICE_PCI_HOT_RESET on a device fd ({argsz, flags, count, group_fds[]}): the caller
/// proves it owns every device on the bus by passing the fds of their groups. Count is
/// GroupFds.Length.
/// </summary>
public sealed record PciHotReset(int DeviceFd, int[] GroupFds, uint Flags, uint Argsz) : IVfioCommand
{
    /// <summary>offsetofend(struct vfio_pci_hot_reset, count).</summary>
    public const uint MinSize = 12;

    /// <summary>The argsz a well-behaved caller passes: the header and its fds.</summary>
    public static uint ArgszFor(int fds) => MinSize + 4 * (uint)fds;
}

/// <summary>Every device on the bus went through a secondary bus reset.</summary>
public sealed record PciBusReset(string Host, string Bus, string[] Devices) : IVfioEvent;
