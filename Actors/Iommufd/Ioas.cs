using Fabric.Messages;

namespace Fabric.Iommufd;

/// <summary>
/// One I/O address space (struct iommufd_ioas): its windows (none at creation, seed 003), its
/// areas, the ranges automatic iovas may come from, the ranges the selftest reserved, and the
/// devices attached to it with their IOMMU's hardware. Mutated only by <see cref="IommufdContext.Apply"/>.
/// </summary>
public sealed class Ioas(uint id)
{
    public uint Id { get; } = id;

    /// <summary>The windows, in base order.</summary>
    public List<IoasWindow> Windows { get; } = new();

    public IoPageTable Areas { get; } = new();

    /// <summary>How many times its mappings changed: each area mapped or unmapped is one change.</summary>
    public long Generation { get; internal set; }

    /// <summary>IOMMU_IOAS_ALLOW_IOVAS's ranges (the allowed_itree); empty means anywhere.</summary>
    public List<IovaRange> Allowed { get; } = new();

    /// <summary>The ranges IOMMU_TEST_OP_ADD_RESERVED reserved (owner NULL in the reserved_itree).</summary>
    public List<IovaRange> TestReserved { get; } = new();

    /// <summary>The attached devices (by IOMMU group) and their IOMMUs.</summary>
    public SortedDictionary<int, IommuHardware> Devices { get; } = new();

    /// <summary>Every reserved range: the selftest's and, for each attached device, what its IOMMU does not translate or keeps.</summary>
    public IEnumerable<IovaRange> Reserved() =>
        TestReserved.Concat(Devices.Values.Distinct().SelectMany(h => h.ReservedRanges()));

    /// <summary>The IOAS's iova alignment (iopt-&gt;iova_alignment): the largest smallest page of its devices' IOMMUs, 1 with none.</summary>
    public ulong IovaAlignment => Devices.Values.Select(h => h.SmallestPage).DefaultIfEmpty(1UL).Max();

    public IoasWindow? WindowAt(ulong iova) => Windows.FirstOrDefault(w => w.Holds(iova, iova));
}
