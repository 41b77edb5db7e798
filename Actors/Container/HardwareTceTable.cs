using System.Collections.Concurrent;
using System.Collections.Immutable;
using Fabric.Messages;

namespace Fabric.Container;

/// <summary>
/// A PowerNV hardware TCE table (struct iommu_table): host memory that the PHB walks on a
/// TCE cache miss. Like real host memory it is shared, not owned by one actor: the hypercall
/// handler writes it (iommu_tce_xchg), the DMA engines of every group attached to it read it.
/// The TCE caches in front of it are what the kill register must keep coherent.
/// Lower levels (pages of 512 entries) are allocated on first write, as pnv_tce allocates them.
/// </summary>
public sealed class HardwareTceTable
{
    private const int PageBits = 9;
    private const int PageEntries = 1 << PageBits;
    private readonly ConcurrentDictionary<ulong, ulong[]> _pages = new();
    private ImmutableArray<int> _groups = ImmutableArray<int>.Empty;
    private ImmutableArray<TableProgress> _writers = ImmutableArray<TableProgress>.Empty;

    public HardwareTceTable(string key, HardwareWindow window)
    {
        Key = key;
        Window = window;
    }

    /// <summary>Unique within the host: "container/window".</summary>
    public string Key { get; }
    public HardwareWindow Window { get; }
    public int PageShift => Window.PageShift;
    public ulong Offset => Window.BusOffset >> Window.PageShift;
    public ulong Size => Window.Entries;
    public ulong BusStart => Window.BusOffset;
    public ulong BusEnd => Window.BusOffset + (Window.Entries << Window.PageShift);

    /// <summary>The groups whose PEs use this table (it_group_list): every one must be killed.</summary>
    public ImmutableArray<int> Groups => _groups;

    public void AddGroup(int group) => ImmutableInterlocked.Update(ref _groups, g => g.Contains(group) ? g : g.Add(group));
    public void RemoveGroup(int group) => ImmutableInterlocked.Update(ref _groups, g => g.Remove(group));

    /// <summary>The TCE tables (LIOBNs) that write this table, and how far each has got.</summary>
    public ImmutableArray<TableProgress> Writers => _writers;

    public void AddWriter(TableProgress writer) => ImmutableInterlocked.Update(ref _writers, w => w.Contains(writer) ? w : w.Add(writer));
    public void RemoveWriter(TableProgress writer) => ImmutableInterlocked.Update(ref _writers, w => w.Remove(writer));

    public bool Covers(ulong ioba) => ioba >= BusStart && ioba < BusEnd;

    public ulong Read(ulong entry)
    {
        var idx = entry - Offset;
        if (idx >= Size) return 0;
        return _pages.TryGetValue(idx >> PageBits, out var page) ? Volatile.Read(ref page[idx & (PageEntries - 1)]) : 0;
    }

    public void Write(ulong entry, ulong value)
    {
        var idx = entry - Offset;
        if (idx >= Size) return;
        if (!_pages.TryGetValue(idx >> PageBits, out var page))
        {
            if (value == 0) return;
            page = _pages.GetOrAdd(idx >> PageBits, static _ => new ulong[PageEntries]);
        }
        Volatile.Write(ref page[idx & (PageEntries - 1)], value);
    }

    public int AllocatedPages => _pages.Count;

    /// <summary>How many valid entries point into host physical [hpa, hpa+length): a region's mm_iommu mapped count.</summary>
    public long CountMappingsInto(ulong hpa, ulong length)
    {
        long n = 0;
        foreach (var page in _pages.Values)
            foreach (var tce in page)
            {
                var at = tce & (Tce.RpnMask << Tce.RpnShift);
                if (!Tce.IsClear(tce) && at >= hpa && at - hpa < length) n++;
            }
        return n;
    }

    /// <summary>The page of entries that holds <paramref name="entry"/>, allocated if asked; and the entry's index in it.</summary>
    public ulong[]? PageOf(ulong entry, bool allocate, out int index)
    {
        var idx = entry - Offset;
        index = (int)(idx & (PageEntries - 1));
        if (idx >= Size) return null;
        if (_pages.TryGetValue(idx >> PageBits, out var page)) return page;
        return allocate ? _pages.GetOrAdd(idx >> PageBits, static _ => new ulong[PageEntries]) : null;
    }

    /// <summary>Clears [first, first+count), visiting only pages that exist.</summary>
    public void ClearRange(ulong first, ulong count)
    {
        if (count == 0 || first < Offset) return;
        var firstPage = (first - Offset) >> PageBits;
        var lastPage = (first - Offset + count - 1) >> PageBits;
        if (lastPage - firstPage + 1 <= (ulong)_pages.Count)
            for (var p = firstPage; p <= lastPage; p++) ClearPage(p, first, count);
        else
            foreach (var p in _pages.Keys) if (p >= firstPage && p <= lastPage) ClearPage(p, first, count);
    }

    private void ClearPage(ulong pageNo, ulong first, ulong count)
    {
        if (!_pages.TryGetValue(pageNo, out var page)) return;
        for (var i = 0; i < PageEntries; i++)
        {
            var entry = Offset + (pageNo << PageBits) + (ulong)i;
            if (entry >= first && entry - first < count) Volatile.Write(ref page[i], 0UL);
        }
    }
}
