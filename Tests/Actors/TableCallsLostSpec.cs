using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>
/// A table that crashes with calls applied to the hardware but not yet journaled: its next
/// incarnation journals them as lost before any new call, so their positions are never given to
/// other calls (a DMA's record names calls by position) and replay knows what was in flight.
/// The journal holds the crashed incarnation's write until the test lets it fail.
/// </summary>
public sealed class TableCallsLostSpec() : TestKit(ControlledJournal.Config("""
    akka.loglevel = OFF
    """))
{
    private const ulong Liobn = 0x1;
    private const string Table = "tce/h0/g/0x1";

    private sealed class HeldWrites : IJournalInterceptor
    {
        public volatile bool Holding;
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task InterceptAsync(IPersistentRepresentation message)
        {
            if (!Holding || message.PersistenceId != Table) return;
            Reached.TrySetResult();
            await Release.Task;
            throw new InvalidOperationException("this write never reaches the journal");
        }
    }

    [Fact]
    public async Task Calls_a_crash_left_unjournaled_are_journaled_as_lost_and_their_positions_are_not_reused()
    {
        var journal = ControlledJournal.Of(Sys);
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, Liobn, [1], vcpus: 3);
        Assert.Equal(HcallReturn.Success, (await BoundTable.Call(f, new HPutTce(Liobn, 0x0, 0x7003))).Ret);
        var progress = Assert.Single(f.Memory("h0").HardwareTables.Values.Single().Writers);

        var held = new HeldWrites { Holding = true };
        await journal.OnWrite.SetInterceptorAsync(held);
        var inFlight = Enumerable.Range(0, 3)
            .Select(v => f.Hcall("h0", "g", v, new HPutTce(Liobn, (ulong)(v + 1) << 12, 0x8003)))
            .ToArray();
        await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await AwaitAssertAsync(() => Assert.Equal(4, progress.AppliedThrough), TimeSpan.FromSeconds(5));
        held.Holding = false;

        var table = await Sys.ActorSelection($"/user/host-h0/vm-g/tce-{Liobn:x}").ResolveOne(TimeSpan.FromSeconds(3));
        table.Tell(InjectedCrash.Instance);
        var lostAnswers = (await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(10))).Cast<HcallResult>().ToArray();
        Assert.All(lostAnswers, r => Assert.Equal(HcallReturn.Hardware, r.Ret));
        held.Release.SetResult();

        // The next call is position 5: 1 journaled, 2..4 lost.
        Assert.Equal(HcallReturn.Success, (await BoundTable.Call(f, new HPutTce(Liobn, 0x9000, 0x9003))).Ret);
        Assert.Equal(5, progress.AppliedThrough);
        Assert.Equal(0UL, (await BoundTable.Call(f, new HGetTce(Liobn, 0x1000))).R4);

        var events = Events();
        var lost = Assert.Single(events.OfType<TableCallsLost>());
        Assert.Equal((2L, 4L), (lost.FirstPosition, lost.LastPosition));
        Assert.Equal(lostAnswers.Select(r => r.CallId).Order(), lost.Calls.Select(c => c.CallId).Order());
        Assert.All(lost.Calls, c => Assert.Equal(0x8003UL, ((TceRunWritten)c.Writes.Single()).Values[0]));
        // In the journal it comes before the next call, which a recovery counts on from.
        var calls = events.Where(e => e is HcallHandled or HcallsHandled or TableCallsLost).ToArray();
        Assert.IsType<TableCallsLost>(calls[1]);

        // Read back, the lost positions still count: the H_GET_TCE at position 6 and the next at 7.
        table.Tell(InjectedCrash.Instance);
        Assert.Equal(0x9003UL, (await BoundTable.Call(f, new HGetTce(Liobn, 0x9000))).R4);
        Assert.Equal((6L, 7L), (progress.AppliedThrough, progress.AckedThrough));
    }

    private IFabricEvent[] Events()
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null);
        var probe = CreateTestProbe();
        journal.Tell(new ReplayMessages(0, long.MaxValue, long.MaxValue, Table, probe.Ref));
        var events = new List<IFabricEvent>();
        while (true)
        {
            var m = probe.ExpectMsg<object>(TimeSpan.FromSeconds(5));
            if (m is ReplayedMessage r) events.Add((IFabricEvent)r.Persistent.Payload);
            else return [.. events];
        }
    }
}
