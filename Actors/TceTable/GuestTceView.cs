using Fabric.Messages;

namespace Fabric.TceTable;

/// <summary>
/// The guest's view of a TCE table: the values the guest wrote, verbatim. Pages of 512 entries
/// (4K) are allocated lazily, as KVM's stt->pages are; a zero written to a missing page
/// allocates nothing (kvmppc_tce_put). A page a strided run fills whole is kept as its stride
/// (<see cref="TcePage"/>) until an entry breaks it.
/// </summary>
public sealed class GuestTceView
{
    private const int PageBits = TcePage.Bits;
    private const int PageEntries = TcePage.Entries;
    private readonly Dictionary<ulong, TcePage> _pages = new();

    public GuestTceView(ulong offset, ulong size)
    {
        Offset = offset;
        Size = size;
    }

    public ulong Offset { get; }
    public ulong Size { get; }
    public int AllocatedPages => _pages.Count;

    /// <summary>Pages held as a stride, without an array of their own.</summary>
    public int StridedPages => _pages.Values.Count(p => p.IsStrided);

    /// <summary>Entries that hold a non-zero value.</summary>
    public long NonZeroEntries { get; private set; }

    public ulong Get(ulong entry)
    {
        var idx = entry - Offset;
        return _pages.TryGetValue(idx >> PageBits, out var page) ? page[(int)(idx & (PageEntries - 1))] : 0;
    }

    public void Set(ulong entry, ulong value)
    {
        var idx = entry - Offset;
        if (!_pages.TryGetValue(idx >> PageBits, out var page))
        {
            if (value == 0) return;
            page = new TcePage();
            _pages[idx >> PageBits] = page;
        }
        var i = (int)(idx & (PageEntries - 1));
        NonZeroEntries += (value != 0 ? 1 : 0) - (page[i] != 0 ? 1 : 0);
        page.Set(i, value);
    }

    /// <summary>Writes a run of entries, a page lookup per 512; a strided run that covers a page whole keeps it a stride.</summary>
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
                page = new TcePage();
                _pages[idx >> PageBits] = page;
            }
            if (write is TceRunStrided s && n == PageEntries)
            {
                NonZeroEntries -= page.NonZero();
                page.SetStride(s.ValueAt(done), s.Step);
                NonZeroEntries += page.NonZero();
            }
            else
            {
                for (ulong i = 0; i < n; i++)
                {
                    var at = first + (int)i;
                    var value = write.ValueAt(done + i);
                    NonZeroEntries += (value != 0 ? 1 : 0) - (page[at] != 0 ? 1 : 0);
                    page.Set(at, value);
                }
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

    /// <summary>
    /// The non-zero entries as runs of neighbours (within a page): what a recovered table tells
    /// the checker and writes back to the hardware, one message and one mirror call per run.
    /// </summary>
    public IEnumerable<TceRunWritten> NonZeroRuns()
    {
        var values = new ulong[PageEntries];
        foreach (var (pageNo, page) in _pages)
        {
            var first = Offset + (pageNo << PageBits);
            var i = 0;
            while (i < PageEntries)
            {
                if (page[i] == 0)
                {
                    i++;
                    continue;
                }
                var start = i;
                while (i < PageEntries && page[i] != 0) values[i - start] = page[i++];
                yield return new TceRunWritten(first + (ulong)start, values[..(i - start)]);
            }
        }
    }

    /// <summary>A copy of every allocated page: page numbers, and their entries end to end.</summary>
    public (ulong[] PageNumbers, ulong[] Entries) ExportPages()
    {
        var numbers = _pages.Keys.ToArray();
        var entries = new ulong[numbers.Length * PageEntries];
        for (var i = 0; i < numbers.Length; i++) _pages[numbers[i]].CopyTo(entries.AsSpan(i * PageEntries, PageEntries));
        return (numbers, entries);
    }

    /// <summary>Replaces the view with exported pages.</summary>
    public void ImportPages(ulong[] pageNumbers, ulong[] entries)
    {
        Clear();
        for (var i = 0; i < pageNumbers.Length; i++)
        {
            var page = TcePage.Of(entries.AsSpan(i * PageEntries, PageEntries));
            _pages[pageNumbers[i]] = page;
            NonZeroEntries += page.NonZero();
        }
    }

    public void Clear()
    {
        _pages.Clear();
        NonZeroEntries = 0;
    }
}
