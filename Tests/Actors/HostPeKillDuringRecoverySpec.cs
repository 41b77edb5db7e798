using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;
using Fabric.HostPe;
using Fabric.Host;
using Fabric.Messages;
using Fabric.Persistence;

using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>
/// A host PE answers a TCE kill while it is still reading its journal back after a crash: the
/// TCE cache is the PHB's, not journaled, so a kill has nothing to wait for, and a call waits for
/// its kills. The recovery is held open by a journal that replays only when the test lets it.
/// </summary>
public sealed class HostPeKillDuringRecoverySpec() : TestKit(ControlledJournal.Config("""
    akka.loglevel = OFF
    """))
{
    private sealed class HeldRecovery : IJournalInterceptor
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task InterceptAsync(IPersistentRepresentation message)
        {
            Reached.TrySetResult();
            await Release.Task;
        }
    }

    [Fact]
    public async Task A_kill_to_a_PE_that_is_recovering_from_a_crash_is_answered_before_the_recovery_ends()
    {
        var journal = ControlledJournal.Of(Sys);
        var pe = Sys.ActorOf(HostPeActor.Props(new HostMemory("h0"), 7, 0, CreateTestProbe().Ref, DurabilityMode.Strict));
        pe.Tell(new PeOwnerChanged("h0", 7, "g", 0, 1UL << 30));
        pe.Tell(new InvalidateTceCache("t", 0, 1, 1));
        Assert.Equal(new TceKilled(7, 1), ExpectMsg<TceKilled>());
        // Past its first recovery (a crash that finds it recovering is absorbed), as a DMA's answer shows.
        pe.Tell(new DeviceDma(7, 0x1000, DmaDirection.Read));
        ExpectMsg<DmaResult>();

        var held = new HeldRecovery();
        await journal.OnRecovery.SetInterceptorAsync(held);
        pe.Tell(InjectedCrash.Instance);
        await held.Reached.Task.WaitAsync(TimeSpan.FromSeconds(5));

        pe.Tell(new InvalidateTceCache("t", 0, 1, 2));
        Assert.Equal(new TceKilled(7, 2), ExpectMsg<TceKilled>(TimeSpan.FromSeconds(2)));

        // The recovery goes on once the journal replays; a DMA, stashed until then, is answered after.
        pe.Tell(new DeviceDma(7, 0x1000, DmaDirection.Read));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        held.Release.SetResult();
        Assert.Equal(DmaOutcome.Fault, ExpectMsg<DmaResult>(TimeSpan.FromSeconds(5)).Outcome);
    }
}
