namespace Fabric.Messages;

/// <summary>
/// VFIO_IOMMU_SPAPR_TCE_CREATE on the container's fd (struct vfio_iommu_spapr_tce_create): a
/// hardware window of 2^PageShift pages, WindowSize bytes, in Levels levels, programmed into every
/// group of the container. Answers the window's bus address (start_addr), which the platform picks.
/// </summary>
public sealed record CreateSpaprTceWindow(string Container, uint PageShift, ulong WindowSize, uint Levels, uint Flags = 0, uint Argsz = CreateSpaprTceWindow.MinSize) : IVfioCommand
{
    /// <summary>offsetofend(struct vfio_iommu_spapr_tce_create, start_addr).</summary>
    public const uint MinSize = 40;
}

/// <summary>VFIO_IOMMU_SPAPR_TCE_REMOVE (struct vfio_iommu_spapr_tce_remove): the window holding StartAddr goes.</summary>
public sealed record RemoveSpaprTceWindow(string Container, ulong StartAddr, uint Flags = 0, uint Argsz = RemoveSpaprTceWindow.MinSize) : IVfioCommand
{
    /// <summary>offsetofend(struct vfio_iommu_spapr_tce_remove, start_addr).</summary>
    public const uint MinSize = 16;
}

/// <summary>A hardware window was created in the container and set in every group's PE; Levels as asked.</summary>
public sealed record SpaprTceWindowCreated(string Host, string Container, HardwareWindow Window, int Levels) : IVfioEvent;

/// <summary>The container's hardware window Index was unset from every group, cleared and freed.</summary>
public sealed record SpaprTceWindowRemoved(string Host, string Container, int Index) : IVfioEvent;
