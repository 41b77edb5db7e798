using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>
/// A guest PE over three host PEs: a freeze of one reaches the others before the guest is told,
/// the guest gets one EEH event per episode, and racing freezes make one episode.
/// </summary>
public sealed class GuestPeSpec() : TestKit(TestConfigs.InMemory())
{
    private const ulong Liobn = 0x1;

    private async Task<FabricRuntime> ThreeHostPes()
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, Liobn, [1, 2, 3]);
        await BoundTable.Ok(f, new DefineGuestPe("g", 1, [1, 2, 3]));
        await BoundTable.Ok(f, new EehPeOpOnContainer(FdArgument.OfContainer("c0"), 16, 0, (uint)EehPeOp.Enable));
        return f;
    }

    private static async Task<GuestPeReport> Report(FabricRuntime f) =>
        (GuestPeReport)await f.Ask("h0", new GetGuestPeReport("g", 1));

    [Fact]
    public async Task A_DMA_fault_on_one_host_PE_freezes_all_three_and_the_guest_gets_one_event()
    {
        var f = await ThreeHostPes();
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(GuestEehEvent));

        Assert.Equal(DmaOutcome.Fault, ((DmaResult)await f.Dma("h0", 2, 0x9000, DmaDirection.Write)).Outcome);

        var e = events.ExpectMsg<GuestEehEvent>();
        Assert.Equal((1L, 2), (e.Serial, e.FirstGroup));
        Assert.Equal(["frozen", "frozen", "frozen"], (await Report(f)).States);
        foreach (var pe in new[] { 1, 3 })
            Assert.Equal(DmaOutcome.Frozen, ((DmaResult)await f.Dma("h0", pe, 0x0, DmaDirection.Read)).Outcome);
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Freezes_racing_on_two_host_PEs_make_one_event_not_two()
    {
        var f = await ThreeHostPes();
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(GuestEehEvent));

        await Task.WhenAll(f.Setup("h0", new EehInject(1, null)), f.Setup("h0", new EehInject(3, null)));

        events.ExpectMsg<GuestEehEvent>(e => e.Serial == 1);
        Assert.Equal(["frozen", "frozen", "frozen"], (await Report(f)).States);
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Single((await Report(f)).Events);
    }

    [Fact]
    public async Task After_a_recovery_a_new_freeze_is_a_new_episode_with_the_next_serial()
    {
        var f = await ThreeHostPes();
        await BoundTable.Ok(f, new EehInject(2, null));
        foreach (var op in new[] { EehPeOp.UnfreezeIo, EehPeOp.UnfreezeDma })
            await BoundTable.Ok(f, new EehPeOpOnContainer(FdArgument.OfContainer("c0"), 16, 0, (uint)op));
        Assert.Equal(["normal", "normal", "normal"], (await Report(f)).States);

        await BoundTable.Ok(f, new EehInject(3, null));

        var report = await Report(f);
        Assert.Equal([(1L, 2), (2L, 3)], report.Events.Select(e => (e.Serial, e.FirstGroup)));
        Assert.Equal(["frozen", "frozen", "frozen"], report.States);
    }
}
