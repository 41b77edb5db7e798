using Fabric.Messages;

namespace Fabric.Iommufd;

/// <summary>
/// The hardware domain of a device attached to an IOAS, as iopt_fill_domain leaves it: the IOAS's
/// areas at one generation, immutable, so the PE translates with no lock while the host goes on
/// changing the IOAS and sends it the next view.
/// </summary>
public sealed class IoasDomainView
{
    private readonly IoasArea[] _areas;

    private IoasDomainView(uint ioas, long generation, IoasArea[] areas)
    {
        Ioas = ioas;
        Generation = generation;
        _areas = areas;
    }

    public uint Ioas { get; }
    public long Generation { get; }

    public static IoasDomainView Of(Ioas ioas) => new(ioas.Id, ioas.Generation, [.. ioas.Areas.Areas]);

    /// <summary>A DMA through the domain: an area that covers the iova and permits the direction, else a fault.</summary>
    public DmaResult Translate(ulong iova, DmaDirection dir)
    {
        int lo = 0, hi = _areas.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_areas[mid].Last < iova) lo = mid + 1;
            else hi = mid;
        }
        if (lo == _areas.Length || !_areas[lo].Covers(iova)) return new DmaResult(DmaOutcome.Fault, 0);
        var area = _areas[lo];
        var permitted = dir == DmaDirection.Write ? area.Writeable : area.Readable;
        return permitted ? new DmaResult(DmaOutcome.Ok, area.UserVaOf(iova)) : new DmaResult(DmaOutcome.Fault, 0);
    }
}
