using Fabric.Messages;

namespace Fabric.TceTable;

/// <summary>
/// The guest's view of a TCE table: the values the guest wrote, verbatim. Pages of 512 entries
/// (4K) are allocated lazily, as KVM's stt->pages are; a zero written to a missing page
/// allocates nothing (kvmppc_tce_put).
/// </summary>
public sealed class GuestTceView
{
    private const int PageBits = 9;
    private const int PageEntries = 1 << PageBits;
    private readonly Dictionary<ulong, ulong[]> _pages = new();

    public GuestTceView(ulong offset, ulong size)
    {
        Offset = offset;
        Size = size;
    }

    public ulong Offset { get; }
    public ulong Size { get; }
    public int AllocatedPages => _pages.Count;

    /// <summary>Entries that hold a non-zero value.</summary>
    public long NonZeroEntries { get; private set; }

    public ulong Get(ulong entry)
    {
        var idx = entry - Offset;
        return _pages.TryGetValue(idx >> PageBits, out var page) ? page[idx & (PageEntries - 1)] : 0;
    }

    public void Set(ulong entry, ulong value)
    {
        var idx = entry - Offset;
        if (!_pages.TryGetValue(idx >> PageBits, out var page))
        {
            if (value == 0) return;
            page = new ulong[PageEntries];
            _pages[idx >> PageBits] = page;
        }
        ref var slot = ref page[idx & (PageEntries - 1)];
        NonZeroEntries += (value != 0 ? 1 : 0) - (slot != 0 ? 1 : 0);
        slot = value;
    }

    /// <summary>Writes a run of entries, a page lookup per 512.</summary>
    public void SetRun(TceWrite write)
    {
        ulong done = 0;
        while (done < write.Count)
        {
            var idx = write.FirstEntry + done - Offset;
            var first = (int)(idx & (PageEntries - 1));
            var n = Math.Min((ulong)(PageEntries - first), write.Count - done);
            if (!_pages.TryGetValue(idx >> PageBits, out var page))
            {
                if (write.ClearsRun || AllZero(write, done, n)) { done += n; continue; }
                page = new ulong[PageEntries];
                _pages[idx >> PageBits] = page;
            }
            for (ulong i = 0; i < n; i++)
            {
                ref var slot = ref page[first + (int)i];
                var value = write.ValueAt(done + i);
                NonZeroEntries += (value != 0 ? 1 : 0) - (slot != 0 ? 1 : 0);
                slot = value;
            }
            done += n;
        }
    }

    private static bool AllZero(TceWrite write, ulong from, ulong n)
    {
        for (ulong i = 0; i < n; i++)
            if (write.ValueAt(from + i) != 0) return false;
        return true;
    }

    /// <summary>Every non-zero entry, in no particular order (for resync and snapshots).</summary>
    public IEnumerable<(ulong Entry, ulong Value)> NonZero()
    {
        foreach (var (pageNo, page) in _pages)
            for (var i = 0; i < PageEntries; i++)
                if (page[i] != 0) yield return (Offset + (pageNo << PageBits) + (ulong)i, page[i]);
    }

    /// <summary>A copy of every allocated page: page numbers, and their entries end to end.</summary>
    public (ulong[] PageNumbers, ulong[] Entries) ExportPages()
    {
        var numbers = _pages.Keys.ToArray();
        var entries = new ulong[numbers.Length * PageEntries];
        for (var i = 0; i < numbers.Length; i++) _pages[numbers[i]].CopyTo(entries, i * PageEntries);
        return (numbers, entries);
    }

    /// <summary>Replaces the view with exported pages.</summary>
    public void ImportPages(ulong[] pageNumbers, ulong[] entries)
    {
        Clear();
        for (var i = 0; i < pageNumbers.Length; i++)
        {
            var page = entries.AsSpan(i * PageEntries, PageEntries).ToArray();
            _pages[pageNumbers[i]] = page;
            foreach (var v in page) if (v != 0) NonZeroEntries++;
        }
    }

    public void Clear()
    {
        _pages.Clear();
        NonZeroEntries = 0;
    }
}
