using Fabric.Hosting.Replay;
using Fabric.Messages;
using Fabric.TceTable;

namespace Fabric.Tests.Replay;

/// <summary>
/// Judging a DMA by the calls it raced with (its DmaView), not by where its row fell: the live
/// checker's rule — the value the guest was told at the acknowledged position, or a value a call
/// in flight was installing — over a table's recorded history.
/// </summary>
public sealed class TableHistoryTests
{
    private const ulong MapA = 0x1003, MapB = 0x2003;
    private readonly GuestTceView _view = new(0, 1 << 20);
    private readonly TableHistory _history = new();

    /// <summary>Records a call at the next position and applies it, as replay does.</summary>
    private void Call(long callId, params TceWrite[] writes)
    {
        _history.Record(new HcallHandled(callId, new HPutTce(1, 0, 0), HcallReturn.Success, 0, HcallHandler.Kvm, writes), _view);
        foreach (var w in writes) _view.SetRun(w);
    }

    private DmaJudgement Judge(ulong entry, long acked, long applied, ulong reached) =>
        _history.Judge(entry, acked, applied, _view.Get(entry), tce => tce == reached);

    [Fact]
    public void A_DMA_through_a_mapping_still_in_flight_is_legal_though_the_guest_was_not_told_yet()
    {
        Call(11, new TceRunWritten(5, [MapA]));

        Assert.Equal(DmaJudgement.Legal, Judge(5, acked: 0, applied: 1, reached: MapA));
        // With the call answered before the DMA, the same value is what the guest was told.
        Assert.Equal(DmaJudgement.Legal, Judge(5, acked: 1, applied: 1, reached: MapA));
    }

    [Fact]
    public void A_DMA_that_saw_a_mapping_no_call_had_applied_is_an_isolation_violation()
    {
        Call(11, new TceRunWritten(5, [MapA]));

        var j = Judge(5, acked: 0, applied: 0, reached: MapA);

        Assert.Equal((true, InvariantKind.Isolation, 0UL), (j.Judged, j.Violation, j.Told));
    }

    [Fact]
    public void The_old_value_stays_legal_while_its_unmap_is_in_flight_and_is_stale_once_answered()
    {
        Call(11, new TceRunWritten(5, [MapA]));
        Call(12, new TceRunWritten(5, [0]));
        Call(13, new TceRunWritten(6, [MapB]));

        Assert.Equal(DmaJudgement.Legal, Judge(5, acked: 1, applied: 3, reached: MapA));
        var stale = Judge(5, acked: 2, applied: 3, reached: MapA);
        Assert.Equal((true, InvariantKind.Coherence, 0UL, MapA, 12L), (stale.Judged, stale.Violation, stale.Told, stale.Previous, stale.CallId));
    }

    [Fact]
    public void A_remap_in_flight_allows_both_the_old_and_the_new_value_and_nothing_else()
    {
        Call(11, new TceRunWritten(5, [MapA]));
        Call(12, new TceRunStuffed(4, MapB, 2));

        Assert.Equal(DmaJudgement.Legal, Judge(5, acked: 1, applied: 2, reached: MapA));
        Assert.Equal(DmaJudgement.Legal, Judge(5, acked: 1, applied: 2, reached: MapB));
        Assert.Equal(InvariantKind.Isolation, Judge(5, acked: 1, applied: 2, reached: 0x3003).Violation);
    }

    [Fact]
    public void History_the_ring_no_longer_holds_is_not_judged()
    {
        var small = new TableHistory(capacity: 4);
        var view = new GuestTceView(0, 64);
        for (var i = 0; i < 10; i++)
        {
            var w = new TceRunWritten((ulong)i, [MapA]);
            small.Record(new HcallHandled(i + 1, new HPutTce(1, 0, 0), HcallReturn.Success, 0, HcallHandler.Kvm, [w]), view);
            view.SetRun(w);
        }

        Assert.False(small.Judge(0, acked: 2, applied: 10, view.Get(0), tce => tce == MapA).Judged);
        Assert.True(small.Judge(9, acked: 9, applied: 10, view.Get(9), tce => tce == MapA).Judged);
    }

    [Fact]
    public void A_run_too_long_to_log_old_values_for_is_not_guessed_about()
    {
        Call(11, new TceRunWritten(5, [MapA]));
        Call(12, new TceRunStuffed(0, 0, TableHistory.LargestRunLogged + 1));

        // What the guest was told at position 1 is under the long run: unknown.
        Assert.False(Judge(5, acked: 1, applied: 1, reached: MapA).Judged);
        // The long run itself, in flight, is known: its value is legal.
        Call(13, new TceRunStuffed(0, MapB, TableHistory.LargestRunLogged + 1));
        Assert.Equal(DmaJudgement.Legal, Judge(5, acked: 2, applied: 3, reached: MapB));
    }
    private void Lost(long first, long last, params TceWrite[][] calls) =>
        _history.RecordLost(new TableCallsLost(first, last,
            [.. calls.Select((w, i) => new HcallHandled(100 + i, new HPutTce(1, 0, 0), HcallReturn.Success, 0, HcallHandler.Kvm, w))]));

    [Fact]
    public void A_DMA_that_saw_a_call_a_crash_lost_in_flight_may_use_its_value_and_one_after_may_not()
    {
        Call(11, new TceRunWritten(5, [MapA]));
        // Positions 2 and 3 were a remap and an unmap the table applied, then lost in a crash.
        Lost(2, 3, [new TceRunWritten(5, [MapB])], [new TceRunWritten(5, [0])]);
        Call(12, new TceRunWritten(6, [MapB]));

        Assert.Equal(4, _history.Position);
        Assert.Equal(DmaJudgement.Legal, Judge(5, acked: 1, applied: 3, reached: MapB));
        // The guest was told MapA and was never told otherwise: the view never held the lost calls.
        Assert.Equal(DmaJudgement.Legal, Judge(5, acked: 4, applied: 4, reached: MapA));
        var after = Judge(5, acked: 4, applied: 4, reached: MapB);
        Assert.Equal((true, InvariantKind.Isolation, MapA), (after.Judged, after.Violation, after.Told));
        // One that saw only position 1 applied cannot have used the lost remap.
        Assert.Equal(InvariantKind.Isolation, Judge(5, acked: 1, applied: 1, reached: MapB).Violation);
    }
}
