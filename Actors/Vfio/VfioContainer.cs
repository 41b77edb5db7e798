using Fabric.Messages;

namespace Fabric.Vfio;

/// <summary>
/// A VFIO container (struct vfio_container): the groups in it, its IOMMU driver and, for sPAPR
/// TCE v2, the hardware tables its groups share. It lives while its fd is open or a group is in
/// it. Owner and Bindings are the KVM side: which VM's LIOBNs its tables mirror.
/// </summary>
public sealed class VfioContainer
{
    public VfioContainer(string id) => Id = id;

    public string Id { get; }
    public int? Fd { get; set; }
    public List<int> Groups { get; } = new();

    /// <summary>The VFIO_SET_IOMMU type of its driver, or null (no driver).</summary>
    public int? IommuType { get; set; }

    /// <summary>Its hardware windows while it has an sPAPR TCE driver; empty otherwise.</summary>
    public HardwareWindow[] Windows { get; set; } = [];

    /// <summary>Its groups are no-IOMMU groups (container->noiommu): real groups cannot join.</summary>
    public bool NoIommu { get; set; }

    /// <summary>The VM whose VMM process the container serves (container->mm, set by its first REGISTER_MEMORY).</summary>
    public string? Mm { get; set; }

    /// <summary>The regions this container registered (container->prereg_list).</summary>
    public List<MemoryRegion> Preregistered { get; } = new();

    public string? Owner { get; set; }
    public List<(string Vm, ulong Liobn)> Bindings { get; } = new();

    public bool HasDriver => IommuType is not null;
}
