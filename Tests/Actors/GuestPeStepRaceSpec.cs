using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Fabric.Eeh;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>
/// A guest PE over two host PEs played by probes, so the order in which their reports and answers
/// arrive is the test's to choose: a fault that lands on a host PE between the guest's thaw step
/// being sent and that PE running it. The PE runs the thaw after the fault (a thaw of DMA on a
/// PE frozen whole leaves its MMIO frozen and lets DMA through), so when the step ends the
/// spread of that fault must freeze the faulted PE again as well as its siblings.
/// </summary>
public sealed class GuestPeStepRaceSpec() : TestKit(TestConfigs.InMemory())
{
    private static readonly HostPeEeh Enabled = HostPeEeh.Normal with { Enabled = true };
    private static readonly HostPeEeh Frozen = Enabled.Freeze(100, 100, 3600);

    private sealed class HostPe(TestProbe probe, int group)
    {
        public TestProbe Probe { get; } = probe;
        public int Group { get; } = group;
        public HostPeEeh State { get; set; } = Enabled;

        /// <summary>The PE's state changes: the guest PE hears of it before any answer, as HostPeActor.ChangeEeh tells it.</summary>
        public void Report(IActorRef guestPe, HostPeEeh state, bool bySiblings)
        {
            State = state;
            guestPe.Tell(new HostPeEehReported(Group, state, bySiblings), Probe.Ref);
        }
    }

    [Fact]
    public void A_fault_on_a_host_PE_that_its_DMA_thaw_then_half_undoes_is_frozen_again_when_the_step_ends()
    {
        var checker = CreateTestProbe();
        var guestPe = Sys.ActorOf(GuestPeActor.Props("h0", "g", 1, [4, 5], GuestPeDesign.Converge, checker.Ref));
        var pe4 = new HostPe(CreateTestProbe(), 4);
        var pe5 = new HostPe(CreateTestProbe(), 5);
        foreach (var pe in new[] { pe4, pe5 }) guestPe.Tell(new GuestPeMember(pe.Group), pe.Probe.Ref);

        // Both frozen: a fault on 5, spread to 4.
        pe5.Report(guestPe, Frozen, bySiblings: false);
        pe4.Probe.ExpectMsg<EehFreeze>();
        pe4.Report(guestPe, Frozen, bySiblings: true);
        guestPe.Tell(new EehFrozen(4), pe4.Probe.Ref);
        checker.FishForMessage<GuestPeSettled>(_ => true);

        // The guest thaws MMIO on both.
        var guest = CreateTestProbe();
        guestPe.Tell(new GuestPeRtasCall("g", 1, EehRtasCall.SetEehOption, 2), guest.Ref);
        foreach (var pe in new[] { pe4, pe5 })
        {
            pe.Probe.ExpectMsg<EehPeOpOnPe>(op => op.Op == (uint)EehPeOp.UnfreezeIo);
            pe.Report(guestPe, pe.State with { MmioFrozen = false }, bySiblings: true);
            guestPe.Tell(new EehPeOpDone(pe.Group, 0), pe.Probe.Ref);
        }
        Assert.Equal(RtasStatus.Success, guest.ExpectMsg<GuestPeRtasAnswer>().Status);

        // Then DMA; 5 is frozen again by a fault before it runs the thaw, which leaves its MMIO frozen.
        guestPe.Tell(new GuestPeRtasCall("g", 1, EehRtasCall.SetEehOption, 3), guest.Ref);
        foreach (var pe in new[] { pe4, pe5 }) pe.Probe.ExpectMsg<EehPeOpOnPe>(op => op.Op == (uint)EehPeOp.UnfreezeDma);
        pe5.Report(guestPe, pe5.State.Freeze(101, 100, 3600), bySiblings: false);
        pe5.Report(guestPe, pe5.State with { DmaFrozen = false }, bySiblings: true);
        Assert.Equal("mmio-frozen", pe5.State.Name);
        guestPe.Tell(new EehPeOpDone(5, 0), pe5.Probe.Ref);
        pe4.Report(guestPe, pe4.State.Thaw(), bySiblings: true);
        guestPe.Tell(new EehPeOpDone(4, 0), pe4.Probe.Ref);
        guest.ExpectMsg<GuestPeRtasAnswer>();

        // The fault's freeze spreads to the whole guest PE: to 4, and to 5 again.
        pe4.Probe.ExpectMsg<EehFreeze>();
        pe5.Probe.ExpectMsg<EehFreeze>();
    }
}
