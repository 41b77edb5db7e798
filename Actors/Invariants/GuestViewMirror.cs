using Fabric.Messages;
using Fabric.TceTable;

namespace Fabric.Invariants;

/// <summary>
/// The checker's own copy of one LIOBN's guest view as the guest was told it is: values
/// change only when a call is acknowledged. For each entry it keeps the value before the last
/// acknowledged change and the call that made it, to name the call a stale DMA disobeyed.
/// A page that one call mapped whole with a stride, over nothing, is held as that stride and
/// that call (see <see cref="Page"/>): what a guest mapping all its RAM costs the checker.
/// </summary>
public sealed class GuestViewMirror
{
    private const int PageBits = TcePage.Bits;
    private const int PageEntries = TcePage.Entries;
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
        Find(entry, out var p, out var i) ? (p.Previous(i), p.ChangedBy(i)) : (0, 0);

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
                // A whole page of the stride, over a page nothing has changed yet: one step.
                if (i == 0 && write is TceRunStrided s && write.Count - k >= PageEntries && page.TryMapWhole(s.ValueAt(k), s.Step, callId))
                {
                    k += PageEntries - 1;
                    i = PageEntries - 1;
                    continue;
                }
            }
            page.Change(i, value, callId);
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
            if (entry < first || entry - first >= count) continue;
            page.Change(i, 0, callId);
        }
    }

    private bool Find(ulong entry, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Page? page, out int index)
    {
        index = (int)((entry - Offset) & (PageEntries - 1));
        return _pages.TryGetValue((entry - Offset) >> PageBits, out page);
    }

    /// <summary>
    /// 512 entries: their values, and for each the value before its last change and the call that
    /// made it. Until they differ, the previous values are all zero and the changes all one
    /// call's (or none's), and the arrays for them are not made.
    /// </summary>
    private sealed class Page
    {
        public readonly TcePage Value = new();
        private ulong[]? _previous;
        private long[]? _changedBy;
        private long _changedByAll;

        public ulong Previous(int i) => _previous is { } p ? p[i] : 0;
        public long ChangedBy(int i) => _changedBy is { } c ? c[i] : _changedByAll;

        public void Change(int i, ulong value, long callId)
        {
            var old = Value[i];
            if (old == value) return;
            if (old != 0 || _previous is not null) (_previous ??= new ulong[PageEntries])[i] = old;
            if (_changedBy is null && callId != _changedByAll)
            {
                _changedBy = new long[PageEntries];
                Array.Fill(_changedBy, _changedByAll);
            }
            if (_changedBy is not null) _changedBy[i] = callId;
            Value.Set(i, value);
        }

        /// <summary>
        /// The call maps every entry to first + i * step, none of them zero, over a page that has
        /// never changed: every entry's previous value is zero and its change is this call's.
        /// </summary>
        public bool TryMapWhole(ulong first, ulong step, long callId)
        {
            if (_previous is not null || _changedBy is not null || _changedByAll != 0 || !Value.IsAllZero) return false;
            for (var i = 0; i < PageEntries; i++)
                if (first + (ulong)i * step == 0) return false;
            Value.SetStride(first, step);
            _changedByAll = callId;
            return true;
        }
    }
}
