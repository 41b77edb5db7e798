using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

public sealed class HypercallFlowSpec : TestKit
{
    private const ulong Liobn = 0x1000;

    public HypercallFlowSpec() : base(TestConfigs.InMemory()) { }

    private async Task<FabricRuntime> TwoGroupFabric()
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, Liobn, [1, 2]);
        return f;
    }

    [Fact]
    public async Task put_tce_maps_for_every_group_of_the_container_and_clear_unmaps()
    {
        var f = await TwoGroupFabric();
        var hostBase = f.Memory("h0").GuestRams["g"].HostBase;

        var put = (HcallResult)await f.Hcall("h0", "g", 0, new HPutTce(Liobn, 0x1000, 0x2003));
        Assert.Equal(HcallReturn.Success, put.Ret);
        foreach (var group in new[] { 1, 2 })
        {
            var dma = (DmaResult)await f.Dma("h0", group, 0x1008, DmaDirection.Write);
            Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + 0x2008), dma);
        }

        var clear = (HcallResult)await f.Hcall("h0", "g", 0, new HPutTce(Liobn, 0x1000, 0));
        Assert.Equal(HcallReturn.Success, clear.Ret);
        foreach (var group in new[] { 1, 2 })
            Assert.Equal(DmaOutcome.Fault, ((DmaResult)await f.Dma("h0", group, 0x1008, DmaDirection.Read)).Outcome);

        var report = await f.Invariants("h0");
        Assert.Empty(report.Violations);
        Assert.Equal(4, report.DmasChecked);
    }

    [Fact]
    public async Task a_kill_register_that_drops_an_invalidation_is_caught_as_a_coherence_violation()
    {
        var f = await TwoGroupFabric();
        var faulty = CreateTestProbe();
        // The faulty register acknowledges every kill without touching the PE's cache.
        faulty.SetAutoPilot(new DelegateAutoPilot((sender, msg) =>
        {
            if (msg is TceKill k) sender.Tell(new TceKilled(2, k.Token));
            return AutoPilot.KeepRunning;
        }));
        KillRegisterSwap.Replace(f, 2, faulty.Ref);

        await f.Hcall("h0", "g", 0, new HPutTce(Liobn, 0x1000, 0x2003));
        Assert.Equal(DmaOutcome.Ok, ((DmaResult)await f.Dma("h0", 2, 0x1000, DmaDirection.Read)).Outcome);
        var unmap = (HcallResult)await f.Hcall("h0", "g", 0, new HPutTce(Liobn, 0x1000, 0));
        Assert.Equal(HcallReturn.Success, unmap.Ret);

        // Group 1's register works: its DMA faults. Group 2's cache still holds the old TCE.
        Assert.Equal(DmaOutcome.Fault, ((DmaResult)await f.Dma("h0", 1, 0x1000, DmaDirection.Read)).Outcome);
        Assert.Equal(DmaOutcome.Ok, ((DmaResult)await f.Dma("h0", 2, 0x1000, DmaDirection.Read)).Outcome);

        var report = await f.Invariants("h0");
        var v = Assert.Single(report.Violations);
        Assert.Equal(InvariantKind.Coherence, v.Kind);
        Assert.Equal(2, v.Group);
        Assert.Equal(new HPutTce(Liobn, 0x1000, 0), v.Call);
    }
}
