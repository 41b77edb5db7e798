using Fabric.Container;

namespace Fabric.TceTable;

/// <summary>
/// A hardware table linked to a guest LIOBN (kvmppc_spapr_tce_iommu_table). One guest entry
/// covers 1 &lt;&lt; (guest page shift - hardware page shift) hardware entries (subpages).
/// </summary>
public sealed record HardwareLink(HardwareTceTable Table, string Container, int Window, int References)
{
    public int SubpageShift(int guestPageShift) => guestPageShift - Table.PageShift;
}
