using Fabric.Container;
using Fabric.Messages;

namespace Fabric.TceTable;

/// <summary>
/// KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE's choice of hardware table (kvm_spapr_tce_attach_iommu_group):
/// the first table of the group with a page size no larger than the guest's, the same bus
/// offset, and at least the guest window's size.
/// </summary>
public static class GroupBinding
{
    public static bool Compatible(HardwareTceTable hw, in TceTableGeometry g) =>
        hw.PageShift <= g.PageShift &&
        hw.BusStart == g.BusOffset &&
        hw.Size << hw.PageShift >= g.Size << g.PageShift;

    public static (Errno Error, HardwareTceTable? Table) PickTable(IEnumerable<HardwareTceTable> groupTables, TceTableGeometry g)
    {
        foreach (var hw in groupTables)
            if (Compatible(hw, g)) return (Errno.None, hw);
        return (Errno.EINVAL, null);
    }
}
