using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Fabric.Eeh;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>
/// Fault injection on a guest PE over three host PEs (issue 6): a freeze while vCPUs make
/// hypercalls and devices DMA, a host PE actor crashing mid-recovery (stopped, or restarted by an
/// exception), freezes past the limit.
/// (A reset failing on one host PE: GuestPeRtasSpec; racing freezes: GuestPeSpec.)
/// </summary>
public sealed class GuestPeFaultSpec() : TestKit(FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString("""
    akka.loglevel = OFF
    fabric.durability = strict
    fabric.eeh.max-freezes = 2
    """)))
{
    private const ulong Liobn = 0x1;
    private const int Pages = 32;

    private async Task<FabricRuntime> ThreeHostPes(int vcpus = 1)
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, Liobn, [1, 2, 3], vcpus);
        await BoundTable.Ok(f, new DefineGuestPe("g", 1, [1, 2, 3]));
        for (var i = 0UL; i < Pages; i++)
            Assert.Equal(HcallReturn.Success, (await BoundTable.Call(f, new HPutTce(Liobn, i << 12, 0x7f000003 + (i << 12)))).Ret);
        Assert.Equal(RtasStatus.Success, (await Rtas(f, EehRtasCall.SetEehOption, 1)).Status);
        return f;
    }

    private static async Task<GuestPeRtasAnswer> Rtas(FabricRuntime f, EehRtasCall call, uint option = 0) =>
        (GuestPeRtasAnswer)await f.Ask("h0", new GuestPeRtasCall("g", 1, call, option));

    private static async Task<GuestPeReport> Report(FabricRuntime f) =>
        (GuestPeReport)await f.Ask("h0", new GetGuestPeReport("g", 1));

    private static async Task<DmaOutcome> Dma(FabricRuntime f, int pe, ulong ioba) =>
        ((DmaResult)await f.Dma("h0", pe, ioba, DmaDirection.Read)).Outcome;

    private async Task Recover(FabricRuntime f)
    {
        foreach (var (call, option) in new[] { (EehRtasCall.SetSlotReset, 1u), (EehRtasCall.SetSlotReset, 0u), (EehRtasCall.ConfigurePe, 0u) })
            Assert.Equal(RtasStatus.Success, (await Rtas(f, call, option)).Status);
    }

    [Fact]
    public async Task A_freeze_of_one_host_PE_while_vCPUs_hammer_hypercalls_and_devices_DMA_lets_no_DMA_through_the_frozen_guest_PE()
    {
        var f = await ThreeHostPes(vcpus: 2);
        using var stop = new CancellationTokenSource();
        var settled = 0;
        var afterSettle = new int[2];

        async Task Vcpu(int vcpu)
        {
            for (var i = 0UL; !stop.IsCancellationRequested; i++)
            {
                var r = (HcallResult)await f.Hcall("h0", "g", vcpu, new HPutTce(Liobn, (i % Pages) << 12, 0x7f000003 + ((i % Pages) << 12)));
                Assert.Equal(HcallReturn.Success, r.Ret);
            }
        }

        async Task Device(int pe)
        {
            for (var i = 0UL; !stop.IsCancellationRequested; i++)
            {
                var issuedAfterSettle = Volatile.Read(ref settled) == 1;
                var outcome = await Dma(f, pe, (i % Pages) << 12);
                if (!issuedAfterSettle) continue;
                Interlocked.Increment(ref afterSettle[0]);
                if (outcome == DmaOutcome.Ok) Interlocked.Increment(ref afterSettle[1]);
            }
        }

        var load = new[] { Vcpu(0), Vcpu(1), Device(1), Device(2), Device(3) };
        await Task.Delay(50);
        await BoundTable.Ok(f, new EehInject(2, null));
        // The report waits for the spread: from its answer on, the guest PE is frozen.
        Assert.Equal(["frozen", "frozen", "frozen"], (await Report(f)).States);
        Volatile.Write(ref settled, 1);
        await Task.Delay(100);
        stop.Cancel();
        await Task.WhenAll(load);

        Assert.True(afterSettle[0] > 0, "no DMA was issued after the freeze settled");
        Assert.Equal(0, afterSettle[1]);
        var report = await Report(f);
        Assert.Equal(["frozen", "frozen", "frozen"], report.States);
        Assert.Single(report.Events);
        Assert.Empty((await f.Invariants("h0")).Violations);
    }

    [Fact]
    public async Task A_host_PE_actor_crashing_mid_recovery_comes_back_from_its_journal_and_the_guest_PE_still_converges()
    {
        var f = await ThreeHostPes();
        await BoundTable.Ok(f, new EehInject(1, null));
        Assert.Equal(RtasStatus.Success, (await Rtas(f, EehRtasCall.SetSlotReset, 1)).Status);

        // Host PE 2 dies with its reset asserted; its host starts it again from its journal.
        var pe2 = await Sys.ActorSelection("/user/host-h0/pe-0.2").ResolveOne(TimeSpan.FromSeconds(3));
        Watch(pe2);
        pe2.Tell(Kill.Instance);
        ExpectTerminated(pe2);
        await AwaitAssertAsync(async () => Assert.Equal(DmaOutcome.Frozen, await Dma(f, 2, 0x1000)));
        Assert.Equal(["reset", "reset", "reset"], (await Report(f)).States);

        // Host PE 3 dies while the deactivation is on its way to it: it gets the step again when it is back.
        var pe3 = await Sys.ActorSelection("/user/host-h0/pe-0.3").ResolveOne(TimeSpan.FromSeconds(3));
        var deactivate = Rtas(f, EehRtasCall.SetSlotReset, 0);
        pe3.Tell(Kill.Instance);
        Assert.Equal(RtasStatus.Success, (await deactivate).Status);
        Assert.Equal(["configuring", "configuring", "configuring"], (await Report(f)).States);

        Assert.Equal(RtasStatus.Success, (await Rtas(f, EehRtasCall.ConfigurePe)).Status);
        Assert.Equal(["normal", "normal", "normal"], (await Report(f)).States);
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 3, 0x1000));
        Assert.Empty((await f.Invariants("h0")).Violations);
    }

    [Fact]
    public async Task A_host_PE_actor_restarted_by_a_crash_mid_recovery_is_still_a_member_and_freezes_spread_to_and_from_it()
    {
        var f = await ThreeHostPes();
        var pe2 = await Sys.ActorSelection("/user/host-h0/pe-0.2").ResolveOne(TimeSpan.FromSeconds(3));

        // Host PE 2 throws; its host restarts it (the same actor, its state from its journal, its
        // windows kept). A freeze of the restarted PE reaches its siblings.
        pe2.Tell(InjectedCrash.Instance);
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 2, 0x1000));
        await BoundTable.Ok(f, new EehInject(2, null));
        var report = await Report(f);
        Assert.Equal(["frozen", "frozen", "frozen"], report.States);
        Assert.Equal([2], report.Events.Select(e => e.FirstGroup));

        // It throws again while the hot reset is on its way to it, and between two steps.
        var reset = Rtas(f, EehRtasCall.SetSlotReset, 1);
        pe2.Tell(InjectedCrash.Instance);
        Assert.Equal(RtasStatus.Success, (await reset).Status);
        Assert.Equal(["reset", "reset", "reset"], (await Report(f)).States);
        pe2.Tell(InjectedCrash.Instance);
        Assert.Equal(RtasStatus.Success, (await Rtas(f, EehRtasCall.SetSlotReset, 0)).Status);
        Assert.Equal(RtasStatus.Success, (await Rtas(f, EehRtasCall.ConfigurePe)).Status);
        Assert.Equal(["normal", "normal", "normal"], (await Report(f)).States);
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 2, 0x1000));

        // A freeze of a sibling reaches the restarted PE: a second event.
        pe2.Tell(InjectedCrash.Instance);
        await BoundTable.Ok(f, new EehInject(3, null));
        report = await Report(f);
        Assert.Equal(["frozen", "frozen", "frozen"], report.States);
        Assert.Equal([2, 3], report.Events.Select(e => e.FirstGroup));
        Assert.Equal(DmaOutcome.Frozen, await Dma(f, 2, 0x1000));
        Assert.Equal(pe2, await Sys.ActorSelection("/user/host-h0/pe-0.2").ResolveOne(TimeSpan.FromSeconds(3)));
        Assert.Empty((await f.Invariants("h0")).Violations);
    }

    [Fact]
    public async Task Freezes_past_the_limit_fail_every_host_PE_of_the_guest_PE_for_good()
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, Liobn, [1, 2, 3]);
        // Host PE 1 froze once before it joined the guest PE: it reaches the limit (2) first.
        await BoundTable.Ok(f, new EehInject(1, null));
        await BoundTable.Ok(f, new EehPeOpOnContainer(FdArgument.OfContainer("c0"), 16, 0, (uint)EehPeOp.ResetHot));
        await BoundTable.Ok(f, new EehPeOpOnContainer(FdArgument.OfContainer("c0"), 16, 0, (uint)EehPeOp.ResetDeactivate));
        await BoundTable.Ok(f, new DefineGuestPe("g", 1, [1, 2, 3]));

        await BoundTable.Ok(f, new EehInject(3, null));
        Assert.Equal(["frozen", "frozen", "frozen"], (await Report(f)).States);
        await Recover(f);
        await BoundTable.Ok(f, new EehInject(3, null));

        var report = await Report(f);
        Assert.Equal(["permanently-failed", "permanently-failed", "permanently-failed"], report.States);
        Assert.Equal(2, report.Events.Length);
        Assert.Equal([(ulong)EehReportedState.Unavailable, 1, 1000], (await Rtas(f, EehRtasCall.ReadSlotResetState2)).Outputs);
        Assert.Equal(RtasStatus.HwError, (await Rtas(f, EehRtasCall.SetSlotReset, 1)).Status);
        Assert.Equal(["permanently-failed", "permanently-failed", "permanently-failed"], (await Report(f)).States);
        Assert.Empty((await f.Invariants("h0")).Violations);
    }
}
