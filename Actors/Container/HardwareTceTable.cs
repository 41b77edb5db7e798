using System.Collections.Concurrent;
using System.Collections.Immutable;
using Fabric.Messages;

namespace Fabric.Container;

/// <summary>
/// A PowerNV hardware TCE table (struct iommu_table): host memory that the PHB walks on a
/// TCE cache miss. Like real host memory it is shared, not owned by one actor: the hypercall
/// handler writes it (iommu_tce_xchg), the DMA engines of every group attached to it read it.
/// The TCE caches in front of it are what the kill register must keep coherent.
/// A table of several levels allocates its lowest levels on first write, as pnv_tce does with
/// alloc set (pci-ioda-tce.c); its pages are that level's size. A one-level table is allocated
/// whole by the kernel; Fabric still fills it in pages of 512 entries, and counts it whole.
/// </summary>
public sealed class HardwareTceTable
{
    private readonly int PageBits;
    private readonly int PageEntries;
    private readonly ulong PageMask;
    private readonly ConcurrentDictionary<ulong, ulong[]> _pages = new();
    private ImmutableArray<int> _groups = ImmutableArray<int>.Empty;
    private ImmutableArray<TableProgress> _writers = ImmutableArray<TableProgress>.Empty;

    public HardwareTceTable(string key, HardwareWindow window, int levels = 1)
    {
        Key = key;
        Window = window;
        Levels = Math.Max(levels, 1);
        PageBits = Levels == 1 ? 9 : LevelBits(window, Levels);
        PageEntries = 1 << PageBits;
        PageMask = (ulong)PageEntries - 1;
    }

    /// <summary>The levels of the table (1..5): VFIO_IOMMU_SPAPR_TCE_CREATE's, 1 for a container's default window.</summary>
    public int Levels { get; }

    /// <summary>log2 of one level's entries: the window's entry bits split evenly, at least a 4K page of them (pnv_pci_ioda2_table_alloc_pages).</summary>
    public static int LevelBits(HardwareWindow w, int levels)
    {
        var entriesShift = System.Numerics.BitOperations.Log2(Math.Max(w.Entries, 1));
        if (!System.Numerics.BitOperations.IsPow2(Math.Max(w.Entries, 1))) entriesShift++;
        return Math.Max((entriesShift + levels - 1) / levels, 9);
    }

    /// <summary>
    /// The host memory the kernel holds for this table: a one-level table whole; a deeper one its
    /// upper levels (the top one at creation, each lower index page with its first entry, counted
    /// here as the top level and one index page per 2^LevelBits leaf pages) and the leaf pages written.
    /// </summary>
    public long AllocatedBytes
    {
        get
        {
            if (Levels == 1) return (long)Math.Min(Size, (ulong)long.MaxValue / 8) * 8;
            long leaves = _pages.Count;
            long indexPages = Levels == 2 ? 0 : (leaves + PageEntries - 1) / PageEntries * (Levels - 2);
            return ((long)PageEntries * 8) * (1 + indexPages + leaves);
        }
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
        return _pages.TryGetValue(idx >> PageBits, out var page) ? Volatile.Read(ref page[idx & PageMask]) : 0;
    }

    public void Write(ulong entry, ulong value)
    {
        var idx = entry - Offset;
        if (idx >= Size) return;
        if (!_pages.TryGetValue(idx >> PageBits, out var page))
        {
            if (value == 0) return;
            page = _pages.GetOrAdd(idx >> PageBits, NewPage, PageEntries);
        }
        Volatile.Write(ref page[idx & PageMask], value);
    }

    public int AllocatedPages => _pages.Count;

    /// <summary>
    /// A page of the table, zeroed, where the collector never moves it (the pinned heap): a page
    /// lives as long as its window, as host memory does, and a rack's windows hold gigabytes of
    /// them, which the collector would otherwise copy from its young generations to the old one.
    /// </summary>
    private static ulong[] NewPage(ulong _, int entries) => GC.AllocateArray<ulong>(entries, pinned: true);

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
        index = (int)(idx & PageMask);
        if (idx >= Size) return null;
        if (_pages.TryGetValue(idx >> PageBits, out var page)) return page;
        return allocate ? _pages.GetOrAdd(idx >> PageBits, NewPage, PageEntries) : null;
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
