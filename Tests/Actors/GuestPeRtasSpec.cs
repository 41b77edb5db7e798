using Akka.TestKit.Xunit2;
using Fabric.Eeh;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>
/// The guest's EEH RTAS calls on a guest PE over three host PEs, through the actors: each step
/// reaches every host PE, a step that fails on one is retried there, and one that keeps failing
/// fences all of them; QEMU's design refuses a guest PE of several host PEs.
/// </summary>
public sealed class GuestPeRtasSpec() : TestKit(TestConfigs.InMemory())
{
    private const ulong Liobn = 0x1;

    private async Task<FabricRuntime> ThreeHostPes(GuestPeDesign design = GuestPeDesign.Converge)
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, Liobn, [1, 2, 3]);
        await BoundTable.Ok(f, new DefineGuestPe("g", 1, [1, 2, 3], design));
        return f;
    }

    private static async Task<GuestPeRtasAnswer> Rtas(FabricRuntime f, EehRtasCall call, uint option = 0, int nret = 4) =>
        (GuestPeRtasAnswer)await f.Ask("h0", new GuestPeRtasCall("g", 1, call, option, nret));

    private static async Task<string[]> States(FabricRuntime f) =>
        ((GuestPeReport)await f.Ask("h0", new GetGuestPeReport("g", 1))).States;

    private static async Task<DmaOutcome> Dma(FabricRuntime f, int pe, ulong ioba) =>
        ((DmaResult)await f.Dma("h0", pe, ioba, DmaDirection.Read)).Outcome;

    [Fact]
    public async Task A_guest_recovery_by_RTAS_reaches_every_host_PE_at_each_step()
    {
        var f = await ThreeHostPes();
        Assert.Equal(0, (long)(await BoundTable.Call(f, new HPutTce(Liobn, 0x1000, 0x7f000003))).Ret);
        Assert.Equal(RtasStatus.Success, (await Rtas(f, EehRtasCall.SetEehOption, 1)).Status);
        await BoundTable.Ok(f, new EehInject(2, null));
        Assert.Equal([2UL, 1, 1000], (await Rtas(f, EehRtasCall.ReadSlotResetState2)).Outputs);

        Assert.Equal(RtasStatus.Success, (await Rtas(f, EehRtasCall.SetEehOption, 2)).Status);
        Assert.Equal(["dma-frozen", "dma-frozen", "dma-frozen"], await States(f));
        Assert.Equal(RtasStatus.Success, (await Rtas(f, EehRtasCall.SetSlotReset, 1)).Status);
        Assert.Equal(["reset", "reset", "reset"], await States(f));
        Assert.Equal(RtasStatus.Success, (await Rtas(f, EehRtasCall.SetSlotReset, 0)).Status);
        Assert.Equal(RtasStatus.Success, (await Rtas(f, EehRtasCall.ConfigurePe)).Status);

        Assert.Equal(["normal", "normal", "normal"], await States(f));
        Assert.Equal([0UL, 1, 1000, 0], (await Rtas(f, EehRtasCall.ReadSlotResetState2, nret: 5)).Outputs);
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 3, 0x1000));
    }

    [Fact]
    public async Task A_reset_that_fails_once_on_one_host_PE_is_retried_there_and_all_three_end_reset()
    {
        var f = await ThreeHostPes();
        await BoundTable.Ok(f, new EehInject(2, null));
        await BoundTable.Ok(f, new EehInject(2, null, EehFault.ResetFail));

        var answer = await Rtas(f, EehRtasCall.SetSlotReset, 1);

        Assert.Equal(RtasStatus.Success, answer.Status);
        Assert.Contains("failed once on host PE 2 and succeeded on retry", answer.Note);
        Assert.Equal(["reset", "reset", "reset"], await States(f));
    }

    [Fact]
    public async Task A_reset_that_keeps_failing_on_one_host_PE_fences_all_three_and_fails_to_the_guest()
    {
        var f = await ThreeHostPes();
        await BoundTable.Ok(f, new EehInject(1, null));
        await BoundTable.Ok(f, new EehInject(3, null, EehFault.ResetFail, 2));

        var answer = await Rtas(f, EehRtasCall.SetSlotReset, 3);

        Assert.Equal(RtasStatus.HwError, answer.Status);
        Assert.Contains("failed twice on host PE 3", answer.Note);
        Assert.Equal(["unavailable", "unavailable", "unavailable"], await States(f));
        Assert.Equal((ulong)EehReportedState.Unavailable, (await Rtas(f, EehRtasCall.ReadSlotResetState2)).Outputs[0]);
        foreach (var pe in new[] { 1, 2, 3 }) Assert.Equal(DmaOutcome.Frozen, await Dma(f, pe, 0x0));

        // A reset lifts the fence on all of them.
        Assert.Equal(RtasStatus.Success, (await Rtas(f, EehRtasCall.SetSlotReset, 1)).Status);
        Assert.Equal(["reset", "reset", "reset"], await States(f));
    }

    [Fact]
    public async Task QEMUs_design_refuses_every_EEH_call_on_a_guest_PE_of_three_host_PEs()
    {
        var f = await ThreeHostPes(GuestPeDesign.Qemu);
        foreach (var call in Enum.GetValues<EehRtasCall>())
            Assert.Equal(RtasStatus.ParamError, (await Rtas(f, call, 1)).Status);
        Assert.Equal(["normal", "normal", "normal"], await States(f));
    }

    [Fact]
    public async Task An_injected_error_freezes_the_guest_PE_and_the_guest_gets_one_event()
    {
        var f = await ThreeHostPes();
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(GuestEehEvent));

        var answer = (GuestPeRtasAnswer)await f.Ask("h0", new GuestPeRtasCall("g", 1, EehRtasCall.ErrInjct, Err: new EehInjection(1, 12, 0, 0)));

        Assert.Equal(RtasStatus.Success, answer.Status);
        events.ExpectMsg<GuestEehEvent>(e => e.Serial == 1);
        Assert.Equal(["frozen", "frozen", "frozen"], await States(f));
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
