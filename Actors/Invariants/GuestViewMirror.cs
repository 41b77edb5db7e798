using Fabric.Messages;

namespace Fabric.Invariants;

/// <summary>
/// The checker's own copy of one LIOBN's guest view as the guest was told it is: values
/// change only when a call is acknowledged. For each entry it keeps the value before the last
/// acknowledged change and the call that made it, to name the call a stale DMA disobeyed.
/// </summary>
public sealed class GuestViewMirror
{
    private const int PageBits = 9;
    private const int PageEntries = 1 << PageBits;
    private readonly Dictionary<ulong, Page> _pages = new();

    public GuestViewMirror(string vm, ulong liobn, int pageShift, ulong offset, ulong size)
    {
        Vm = vm;
        Liobn = liobn;
        PageShift = pageShift;
        Offset = offset;
        Size = size;
    }

    public string Vm { get; }
    public ulong Liobn { get; }
    public int PageShift { get; }
    public ulong Offset { get; }
    public ulong Size { get; }

    public bool Covers(ulong ioba)
    {
        var entry = ioba >> PageShift;
        return entry >= Offset && entry - Offset < Size;
    }

    public ulong Acknowledged(ulong entry) => Find(entry, out var p, out var i) ? p.Value[i] : 0;

    public (ulong Previous, long ChangedBy) LastChange(ulong entry) =>
        Find(entry, out var p, out var i) ? (p.Previous[i], p.ChangedBy[i]) : (0, 0);

    public void Acknowledge(long callId, TceWrite write)
    {
        if (write.ClearsRun)
        {
            AcknowledgeClear(callId, write.FirstEntry, write.Count);
            return;
        }
        Page? page = null;
        var i = 0;
        for (ulong k = 0; k < write.Count; k++)
        {
            var entry = write.FirstEntry + k;
            var value = write.ValueAt(k);
            if (page is null || ++i == PageEntries)
            {
                if (!Find(entry, out page, out i))
                {
                    if (value == 0) { page = null; continue; }
                    page = new Page();
                    _pages[(entry - Offset) >> PageBits] = page;
                }
            }
            if (page.Value[i] == value) continue;
            page.Previous[i] = page.Value[i];
            page.ChangedBy[i] = callId;
            page.Value[i] = value;
        }
    }

    /// <summary>
    /// A clear of a run: only pages that exist can change, and only those in the run are
    /// visited (a guest's 512-entry unmap must not walk a fully mapped window).
    /// </summary>
    private void AcknowledgeClear(long callId, ulong first, ulong count)
    {
        if (count == 0 || first < Offset) return;
        var firstPage = (first - Offset) >> PageBits;
        var lastPage = (first - Offset + count - 1) >> PageBits;
        if (lastPage - firstPage + 1 <= (ulong)_pages.Count)
        {
            for (var p = firstPage; p <= lastPage; p++)
                if (_pages.TryGetValue(p, out var page)) ClearPage(callId, p, page, first, count);
        }
        else
        {
            foreach (var (p, page) in _pages)
                if (p >= firstPage && p <= lastPage) ClearPage(callId, p, page, first, count);
        }
    }

    private void ClearPage(long callId, ulong pageNo, Page page, ulong first, ulong count)
    {
        for (var i = 0; i < PageEntries; i++)
        {
            var entry = Offset + (pageNo << PageBits) + (ulong)i;
            if (entry < first || entry - first >= count || page.Value[i] == 0) continue;
            page.Previous[i] = page.Value[i];
            page.ChangedBy[i] = callId;
            page.Value[i] = 0;
        }
    }

    private bool Find(ulong entry, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Page? page, out int index)
    {
        index = (int)((entry - Offset) & (PageEntries - 1));
        return _pages.TryGetValue((entry - Offset) >> PageBits, out page);
    }

    private sealed class Page
    {
        public readonly ulong[] Value = new ulong[PageEntries];
        public readonly ulong[] Previous = new ulong[PageEntries];
        public readonly long[] ChangedBy = new long[PageEntries];
    }
}
