namespace Fabric.Iommufd;

/// <summary>
/// The areas of an IOAS, in iova order (the area_itree of struct io_pagetable): they never
/// overlap, so a binary search by iova finds the one covering an address.
/// </summary>
public sealed class IoPageTable
{
    private readonly List<IoasArea> _areas = new();

    public IReadOnlyList<IoasArea> Areas => _areas;

    public int Count => _areas.Count;

    public ulong MappedBytes => _areas.Aggregate(0UL, (sum, a) => sum + a.Length);

    /// <summary>The areas that share an address with [first, last], in iova order (iopt_area_iter_first/next).</summary>
    public IEnumerable<IoasArea> Overlapping(ulong first, ulong last)
    {
        for (var i = FirstEndingAtOrAfter(first); i < _areas.Count && _areas[i].Iova <= last; i++)
            yield return _areas[i];
    }

    public bool AnyIn(ulong first, ulong last) => Overlapping(first, last).Any();

    public IoasArea? At(ulong iova)
    {
        var i = FirstEndingAtOrAfter(iova);
        return i < _areas.Count && _areas[i].Covers(iova) ? _areas[i] : null;
    }

    /// <summary>
    /// The pieces of the areas that map [first, last] with no gap (iopt_get_pages over
    /// iopt_for_each_contig_area), or null if a byte of it is not mapped.
    /// </summary>
    public List<IoasArea>? Contiguous(ulong first, ulong last)
    {
        var pieces = new List<IoasArea>();
        var at = first;
        foreach (var a in Overlapping(first, last))
        {
            if (a.Iova > at) return null;
            var end = Math.Min(a.Last, last);
            pieces.Add(new IoasArea(at, end - at + 1, a.UserVaOf(at), a.Readable, a.Writeable));
            if (end == last) return pieces;
            at = end + 1;
        }
        return null;
    }

    public void Add(IoasArea area)
    {
        var i = FirstEndingAtOrAfter(area.Iova);
        _areas.Insert(i, area);
    }

    public bool Remove(ulong iova, ulong length)
    {
        var i = FirstEndingAtOrAfter(iova);
        if (i >= _areas.Count || _areas[i].Iova != iova || _areas[i].Length != length) return false;
        _areas.RemoveAt(i);
        return true;
    }

    public void Clear() => _areas.Clear();

    /// <summary>The index of the first area whose last byte is at or after iova.</summary>
    private int FirstEndingAtOrAfter(ulong iova)
    {
        int lo = 0, hi = _areas.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_areas[mid].Last < iova) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
