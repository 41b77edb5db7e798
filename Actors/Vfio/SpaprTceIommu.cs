using Fabric.Messages;

namespace Fabric.Vfio;

/// <summary>
/// The sPAPR TCE v2 IOMMU driver of VFIO (drivers/vfio/vfio_iommu_spapr_tce.c) as far as
/// containers and groups go: which VFIO_SET_IOMMU types it serves and tce_iommu_attach_group's
/// checks, in its order.
/// </summary>
public static class SpaprTceIommu
{
    /// <summary>The driver VFIO_SET_IOMMU finds for the type, given the container's kind; false: -ENODEV.</summary>
    public static bool Serves(int type, bool noIommuContainer) => type switch
    {
        SetIommu.SpaprTceV2 => !noIommuContainer,
        SetIommu.NoIommu => noIommuContainer,
        _ => false,
    };

    /// <summary>tce_iommu_attach_group: the group joins the groups the driver already has, or why not.</summary>
    public static SetupResult? AttachGroup(IReadOnlyList<VfioGroup> attached, VfioGroup group)
    {
        foreach (var other in attached)
        {
            if (GroupIsAlreadyAttached(other, group) is { } busy) return busy;
            if (GroupsBuildTablesAlike(other, group) is { } incompatible) return incompatible;
        }
        return null;
    }

    private static SetupResult? GroupIsAlreadyAttached(VfioGroup other, VfioGroup group) =>
        other.Id == group.Id ? SetupResult.Fail(Errno.EBUSY, $"group {group.Id} is already attached") : null;

    private static SetupResult? GroupsBuildTablesAlike(VfioGroup other, VfioGroup group) =>
        other.Iommu != group.Iommu
            ? SetupResult.Fail(Errno.EPERM, $"group {group.Id} ({group.Iommu}) is incompatible with group {other.Id} ({other.Iommu}): their tables are built differently")
            : null;

    /// <summary>A window the driver can create: page_shift 12..34, entries > 0, bus offset aligned to its page.</summary>
    public static bool IsValidWindow(HardwareWindow w) =>
        w.PageShift is >= 12 and <= 34 && w.Entries != 0 && (w.BusOffset & ((1UL << w.PageShift) - 1)) == 0;
}
