namespace Fabric.Messages;

/// <summary>
/// VFIO_IOMMU_SPAPR_REGISTER_MEMORY on a container's fd, made by the VMM process of VM Vm
/// ({argsz, flags, vaddr, size}; drivers/vfio/vfio_iommu_spapr_tce.c). Vaddr is a userspace
/// address of that process: Fabric's VMM maps a guest's RAM at the same address as its host
/// backing, so guest physical gpa is at userspace address HostBase + gpa.
/// </summary>
public sealed record RegisterMemory(string Container, string Vm, ulong Vaddr, ulong Size, uint Flags = 0, uint Argsz = RegisterMemory.MinSize) : IVfioCommand
{
    /// <summary>offsetofend(struct vfio_iommu_spapr_register_memory, size).</summary>
    public const uint MinSize = 24;
}

/// <summary>VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY: the same arguments, the region registered before.</summary>
public sealed record UnregisterMemory(string Container, string Vm, ulong Vaddr, ulong Size, uint Flags = 0, uint Argsz = RegisterMemory.MinSize) : IVfioCommand;

/// <summary>The container holds the region [Ua, Ua+Size) of VM Vm's process (one more use of it, mm_iommu_get or mm_iommu_new).</summary>
public sealed record MemoryRegistered(string Host, string Container, string Vm, ulong Ua, ulong Size) : IVfioEvent;

/// <summary>The container let the region go (mm_iommu_put); the last use gone, the process has it no more.</summary>
public sealed record MemoryUnregistered(string Host, string Container, string Vm, ulong Ua, ulong Size) : IVfioEvent;
