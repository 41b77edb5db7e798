using Akka.TestKit.Xunit2;
using Fabric.Eeh;
using Fabric.Hosting;
using Fabric.Hosting.Replay;
using Fabric.Hosting.Trace;
using Fabric.Hosting.Workloads;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Workloads;

/// <summary>
/// The guest's EEH recovery driver over a guest PE of three host PEs: detect, report, thaw MMIO,
/// thaw DMA or reset, configure, resume; and the shipped eeh-recovery trace is its recovery, call
/// by call, with what the guest read back.
/// </summary>
public sealed class EehRecoveryDriverSpec() : TestKit(TestConfigs.InMemory())
{
    private const ulong Liobn = 0x1;

    private async Task<(FabricRuntime Fabric, EehRecoveryDriver Driver)> FrozenGuestPe(bool needReset = true)
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, Liobn, [1, 2, 3]);
        await BoundTable.Ok(f, new DefineGuestPe("g", 1, [1, 2, 3]));
        Assert.Equal(0, (long)(await BoundTable.Call(f, new HPutTce(Liobn, 0x1000, 0x7f000003))).Ret);
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(GuestEehEvent));
        Assert.Equal(RtasStatus.Success, ((GuestPeRtasAnswer)await f.Ask("h0", new GuestPeRtasCall("g", 1, EehRtasCall.SetEehOption, 1))).Status);

        Assert.Equal(DmaOutcome.Fault, ((DmaResult)await f.Dma("h0", 3, 0x8000, DmaDirection.Write)).Outcome);

        // Detect: the guest is told by its one EEH event.
        events.ExpectMsg<GuestEehEvent>(e => e.FirstGroup == 3);
        return (f, new EehRecoveryDriver(f, "h0", "g", 1) { DriversNeedReset = needReset });
    }

    private static async Task<string[]> States(FabricRuntime f) =>
        ((GuestPeReport)await f.Ask("h0", new GetGuestPeReport("g", 1))).States;

    [Fact]
    public async Task A_frozen_guest_PE_is_recovered_end_to_end_by_reset_and_its_devices_DMA_again()
    {
        var (f, driver) = await FrozenGuestPe();
        Assert.Equal(DmaOutcome.Frozen, ((DmaResult)await f.Dma("h0", 1, 0x1000, DmaDirection.Read)).Outcome);

        var recovery = await driver.Recover();

        Assert.True(recovery.Recovered, recovery.Outcome);
        Assert.Equal(["detect", "report", "thaw MMIO", "reset", "reset", "reset", "configure", "resume"], recovery.Steps.Select(s => s.Phase));
        Assert.Equal(["normal", "normal", "normal"], await States(f));
        Assert.Equal(DmaOutcome.Ok, ((DmaResult)await f.Dma("h0", 1, 0x1000, DmaDirection.Read)).Outcome);
        Assert.Empty((await f.Invariants("h0")).Violations);
    }

    [Fact]
    public async Task Drivers_that_can_recover_without_a_reset_get_MMIO_then_DMA_thawed()
    {
        var (f, driver) = await FrozenGuestPe(needReset: false);

        var recovery = await driver.Recover();

        Assert.True(recovery.Recovered, recovery.Outcome);
        Assert.Equal(["detect", "report", "thaw MMIO", "thaw DMA", "resume"], recovery.Steps.Select(s => s.Phase));
        Assert.DoesNotContain(recovery.Steps, s => s.Call.Call == EehRtasCall.SetSlotReset);
        Assert.Equal(["normal", "normal", "normal"], await States(f));
    }

    [Fact]
    public async Task A_reset_that_keeps_failing_on_one_host_PE_makes_the_driver_give_the_PE_up_with_all_host_PEs_fenced()
    {
        var (f, driver) = await FrozenGuestPe();
        await BoundTable.Ok(f, new EehInject(2, null, EehFault.ResetFail, 2));

        var recovery = await driver.Recover();

        Assert.False(recovery.Recovered);
        Assert.Equal("the reset failed: given up", recovery.Outcome);
        Assert.Equal(RtasStatus.HwError, recovery.Steps[^1].Answer.Status);
        Assert.Equal(["unavailable", "unavailable", "unavailable"], await States(f));
    }

    [Fact]
    public async Task The_shipped_eeh_recovery_trace_is_the_drivers_recovery_call_by_call()
    {
        var (_, driver) = await FrozenGuestPe();
        var recovery = await driver.Recover();

        var trace = Path.Combine(RepoRoot.Traces, "eeh-recovery.trace");
        var expected = OutputDiff.Lines(await File.ReadAllTextAsync(Path.ChangeExtension(trace, ".expected")));
        var first = expected.ToList().FindIndex(l => l.StartsWith("RTAS_READ_SLOT_RESET_STATE2", StringComparison.Ordinal));
        var shown = expected.Skip(first).Where(l => l.StartsWith("RTAS_", StringComparison.Ordinal)).ToArray();
        var made = recovery.Steps.Select(s =>
        {
            var statement = TraceParser.ParseLine("driver", 1, CommandStatements.Of("h0", s.Call, out _)!.Value.Text)!;
            return TraceOutput.Line(statement, TraceOutput.EehRtas(s.Call, s.Answer));
        });
        Assert.Equal(shown, made);
    }

    [Fact]
    public async Task A_guest_PE_that_is_not_frozen_needs_no_recovery()
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, Liobn, [1, 2]);
        await BoundTable.Ok(f, new DefineGuestPe("g", 1, [1, 2]));

        var recovery = await new EehRecoveryDriver(f, "h0", "g", 1).Recover();

        Assert.True(recovery.Recovered);
        Assert.Single(recovery.Steps);
    }
}
