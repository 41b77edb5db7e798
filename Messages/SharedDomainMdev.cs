namespace Fabric.Messages;

/// <summary>
/// The type of the IOMMU domain a group is attached to (include/linux/iommu.h): the kernel's
/// DMA-API domain, with its own IOVA allocator, or one a driver allocated and manages itself.
/// </summary>
public enum IommuDomainType
{
    Dma,
    Unmanaged,
}

/// <summary>The parent device's group is attached to a domain of this type (its driver's choice).</summary>
public sealed record SetIommuDomain(int Group, IommuDomainType Type) : IVfioCommand;

/// <summary>
/// A shared-domain mdev (seed 001, "sdmdev") of the parent PCI device, in mdev IOMMU group
/// MdevGroup (an mdev group has no PE: its DMA is the parent's, tagged with a PASID).
/// </summary>
public sealed record CreateSdmdev(string Name, string Parent, int MdevGroup) : IVfioCommand;

/// <summary>vfio_iommu_type1_attach_sdgroup: the mdev group shares its parent's domain; answers the mdev's PASID.</summary>
public sealed record AttachSdmdevGroup(int MdevGroup) : IVfioCommand;

/// <summary>VFIO_IOMMU_MAP_DMA on the mdev group's container: [Iova, Iova+Size) -> host physical Hpa, for its PASID only.</summary>
public sealed record MapSdmdev(int MdevGroup, ulong Iova, ulong Hpa, ulong Size) : IVfioCommand;

/// <summary>The parent device DMAs for the mdev: bus address Iova tagged with the mdev's PASID. Answers a <see cref="DmaResult"/>.</summary>
public sealed record SdmdevDma(int MdevGroup, ulong Iova, DmaDirection Direction) : IHostCommand;

public sealed record IommuDomainSet(string Host, int Group, IommuDomainType Type) : IVfioEvent;

public sealed record SdmdevCreated(string Host, string Name, string Parent, int ParentGroup, int MdevGroup) : IVfioEvent;

public sealed record SdmdevGroupAttached(string Host, int MdevGroup, int ParentGroup, int Pasid) : IVfioEvent;

public sealed record SdmdevMapped(string Host, int ParentGroup, int Pasid, ulong Iova, ulong Hpa, ulong Size) : IVfioEvent;

/// <summary>The checker learns what a PASID of a shared domain may reach.</summary>
public sealed record PasidMapObserved(string Host, int ParentGroup, int Pasid, ulong Hpa, ulong Size) : ICheckerObservation;

/// <summary>A DMA tagged with a PASID, as the parent's IOMMU translated it.</summary>
public sealed record PasidDmaObserved(string Host, int ParentGroup, int Pasid, ulong Iova, DmaDirection Direction, DmaResult Result) : ICheckerObservation;
