using Fabric.Messages;
using Fabric.TceTable;

namespace Fabric.Hosting.Replay;

/// <summary>
/// What replay concluded about one DMA against one table's history: legal, a violation (with the
/// value the guest had been told, and for a stale translation the value it replaced and the call
/// that replaced it), or not judged (<see cref="Why"/>).
/// </summary>
public readonly record struct DmaJudgement(bool Judged, InvariantKind? Violation, ulong Told, ulong Previous, long CallId, string Why)
{
    public static DmaJudgement Legal => new(true, null, 0, 0, 0, "");
    public static DmaJudgement Unjudged(string why) => new(false, null, 0, 0, 0, why);
}

/// <summary>
/// The recent changes of one table's guest view, by position (the n-th call the table journaled
/// is position n), so a DMA can be judged by the state it raced with rather than by where its
/// row fell: a DMA that saw calls up to A answered and up to B applied (<see cref="DmaView"/>)
/// may use what the guest was told at A, or a value a call in (A, B] was installing — the live
/// checker's rule, with the guest's acknowledgements taken from the DMA's own record. Changes are
/// kept per entry with the value they replaced, in a ring of bounded size; a run longer than
/// <see cref="LargestRunLogged"/> entries is kept as one record without the values it replaced,
/// and a DMA whose judgement would need those, or changes the ring no longer holds, is counted
/// as not judged instead of guessed.
/// </summary>
public sealed class TableHistory
{
    public const int LargestRunLogged = 4096;
    private readonly Change[] _ring;
    private long _next;
    private long _evictedThrough;

    public TableHistory(int capacity = 1 << 18) => _ring = new Change[capacity];

    /// <summary>The position of the last call recorded.</summary>
    public long Position { get; private set; }

    /// <summary>Records one call, before it is applied to <paramref name="view"/> (which gives the values it replaces).</summary>
    public void Record(HcallHandled call, GuestTceView view)
    {
        var position = ++Position;
        foreach (var w in call.Writes)
        {
            if (w.Count > LargestRunLogged)
            {
                Add(new Change(position, call.CallId, w.FirstEntry, w.Count, 0, false, w));
                continue;
            }
            for (ulong i = 0; i < w.Count; i++)
            {
                var entry = w.FirstEntry + i;
                var old = view.Get(entry);
                var value = w.ValueAt(i);
                if (old != value) Add(new Change(position, call.CallId, entry, 1, old, true, w));
            }
        }
    }

    /// <summary>
    /// Records calls a crashed table applied but never journaled (<see cref="TableCallsLost"/>):
    /// values a DMA that saw them in flight may have used, never part of the view.
    /// </summary>
    public void RecordLost(TableCallsLost lost)
    {
        for (var i = 0; i < lost.Calls.Length; i++)
            foreach (var w in lost.Calls[i].Writes)
                Add(new Change(lost.FirstPosition + i, lost.Calls[i].CallId, w.FirstEntry, w.Count, 0, false, w, Lost: true));
        Position = lost.LastPosition;
    }

    private void Add(in Change change)
    {
        ref var slot = ref _ring[_next % _ring.Length];
        if (_next >= _ring.Length) _evictedThrough = slot.Position;
        slot = change;
        _next++;
    }

    /// <summary>
    /// Judges a DMA at <paramref name="entry"/> that saw calls through <paramref name="acked"/>
    /// answered and through <paramref name="applied"/> applied; <paramref name="current"/> is the
    /// view's value now (at <see cref="Position"/>, which must be at least both), and
    /// <paramref name="reaches"/> says whether a guest TCE value lets the DMA reach the address it did.
    /// </summary>
    public DmaJudgement Judge(ulong entry, long acked, long applied, ulong current, Func<ulong, bool> reaches)
    {
        if (acked < _evictedThrough)
            return DmaJudgement.Unjudged($"the DMA saw calls through #{acked} answered, older than the {_ring.Length} changes replay keeps");
        // Walk back from now to the acknowledged position: undo each change to the entry, and
        // accept a value a call still in flight for the DMA was installing.
        var told = current;
        var known = true;
        long index;
        for (index = _next - 1; index >= 0 && index >= _next - _ring.Length; index--)
        {
            ref var c = ref _ring[index % _ring.Length];
            if (c.Position <= acked) break;
            if (!c.Covers(entry)) continue;
            if (c.Position <= applied && reaches(c.Run.ValueAt(entry - c.Run.FirstEntry))) return DmaJudgement.Legal;
            if (c.Lost) continue;
            if (c.KnowsOld) told = c.Old;
            else known = false;
        }
        if (!known)
            return DmaJudgement.Unjudged($"a run of more than {LargestRunLogged} entries changed entry 0x{entry:x} after the DMA's acknowledged call #{acked}; replay keeps no old values for such runs");
        if (reaches(told)) return DmaJudgement.Legal;

        // Not legal. Stale if the value the last acknowledged change replaced would have reached it.
        for (; index >= 0 && index >= _next - _ring.Length; index--)
        {
            ref var c = ref _ring[index % _ring.Length];
            if (!c.Covers(entry) || c.Lost) continue;
            if (c.KnowsOld && reaches(c.Old)) return new DmaJudgement(true, InvariantKind.Coherence, told, c.Old, c.CallId, "");
            return new DmaJudgement(true, InvariantKind.Isolation, told, 0, c.CallId, "");
        }
        return new DmaJudgement(true, InvariantKind.Isolation, told, 0, 0, "");
    }

    private readonly record struct Change(long Position, long CallId, ulong First, ulong Count, ulong Old, bool KnowsOld, TceWrite Run, bool Lost = false)
    {
        public bool Covers(ulong entry) => entry >= First && entry - First < Count;
    }
}
