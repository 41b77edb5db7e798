using Fabric.Messages;

namespace Fabric.Vfio;

/// <summary>
/// The VFIO side of one IOMMU group (struct vfio_group): whether /dev/vfio/N is open, the
/// container it is in, and its container users (group->container_users): its own fd while it
/// is set, each open device fd, each external user. The group leaves its container when the
/// count drops to 0 (vfio_group_try_dissolve_container).
/// </summary>
public sealed class VfioGroup
{
    public VfioGroup(int id, PeIommu iommu)
    {
        Id = id;
        Iommu = iommu;
    }

    public int Id { get; }
    public PeIommu Iommu { get; }
    public bool NoIommu => Iommu == PeIommu.None;

    /// <summary>The fd /dev/vfio/N is open on, or null.</summary>
    public int? Fd { get; set; }
    public string? Container { get; set; }
    public int ContainerUsers { get; set; }

    /// <summary>External users taken with vfio_group_get_external_user and not yet put.</summary>
    public int ExternalUsers { get; set; }

    /// <summary>The KVM-VFIO device holds this group (it is bound to a LIOBN).</summary>
    public bool HeldByKvm { get; set; }

    /// <summary>Device name to its host driver.</summary>
    public Dictionary<string, string> Devices { get; } = new(StringComparer.Ordinal);

    /// <summary>Device name to the PCI bus it is on; a device not here is on no bus that can be reset.</summary>
    public Dictionary<string, string> Buses { get; } = new(StringComparer.Ordinal);

    /// <summary>Open device fds: fd to device name.</summary>
    public SortedDictionary<int, string> DeviceFds { get; } = new();

    /// <summary>VIABLE: every device has no driver or vfio-pci (vfio_dev_viable).</summary>
    public bool Viable => Devices.Values.All(d => d is AddPciDevice.VfioPci or AddPciDevice.NoDriver);
}
