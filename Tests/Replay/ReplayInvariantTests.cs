using Fabric.Hosting.Replay;
using Fabric.Hosting.Trace;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Replay;

/// <summary>Replay re-checks isolation and coherence over the whole recorded history.</summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplayInvariantTests(ReplayFixture fixture)
{
    private const string Setup = FaultyKillRegisterTrace.Setup;
    private const string Calls = FaultyKillRegisterTrace.Calls;

    /// <summary>The run of <see cref="Calls"/> with PE 2's kill register acknowledging kills it never carries out.</summary>
    private Task<string> FaultyKillRegisterJournal() => fixture.Journal("faulty-kill.trace", async (runtime, output) =>
    {
        var runner = new TraceRunner(runtime, output, output);
        Assert.Equal(0, await runner.RunText("setup.trace", Setup));
        KillRegisterSwap.Replace(runtime, 2, runtime.System.ActorOf(AckingKillRegister.Props(2)));
        // The live checker sees the stale DMA too: the trace run exits 1.
        Assert.Equal(1, await runner.RunText("calls.trace", Calls));
    });

    [Fact]
    public async Task A_clean_journal_replays_clean_with_every_call_and_DMA_checked()
    {
        var journal = await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "quickstart.trace"));

        var result = await fixture.State(journal);

        Assert.Empty(result.State.Violations);
        Assert.Equal(4, result.State.CallsAcknowledged);
        Assert.Equal(4, result.State.DmasChecked);
        Assert.Equal(ReplayExit.Clean, result.ExitCode);
    }

    [Fact]
    public async Task A_stale_DMA_recorded_behind_a_faulty_kill_register_is_found_as_a_coherence_violation_and_exits_1()
    {
        var journal = await FaultyKillRegisterJournal();

        var run = await fixture.Replay(journal);

        Assert.Equal(ReplayExit.Violation, run.Exit);
        Assert.Contains("invariants 2 calls acknowledged, 4 DMAs checked: 1 violation", run.OutLines);
        var line = Assert.Single(run.OutLines, l => l.StartsWith('!'));
        var staleDma = ReplayFixture.Ordering(journal, "pe/h0/0.2", 4);
        Assert.StartsWith($"! row {staleDma} (pe/h0/0.2 #4): coherence violation: DMA read by h0 pe 2 at ioba=0x1000 reached hpa=0x10000002000", line);
        Assert.EndsWith($"(call #{(1L << 40) + 2}: HPutTce {{ Liobn = 1, Ioba = 4096, Tce = 0, Opcode = 32 }})", line);

        var result = await fixture.State(journal);
        var v = Assert.Single(result.State.Violations).Violation;
        Assert.Equal((InvariantKind.Coherence, 2, new HPutTce(0x1, 0x1000, 0)), (v.Kind, v.Group, v.Call));
    }

    [Fact]
    public async Task The_same_journal_until_just_before_the_stale_DMA_is_clean()
    {
        var journal = await FaultyKillRegisterJournal();
        var staleDma = ReplayFixture.Ordering(journal, "pe/h0/0.2", 4);

        var run = await fixture.Replay(journal, new ReplayOptions { Until = ReplayLimit.AtOrdering(staleDma - 1) });

        Assert.Equal(ReplayExit.Clean, run.Exit);
        Assert.DoesNotContain(run.OutLines, l => l.StartsWith('!'));
    }

    /// <summary>
    /// Replay finds exactly the violations the recorded run printed, for every shipped trace: the
    /// host's links (binding designs, groups joining and leaving containers) are folded as the
    /// fabric folds them.
    /// </summary>
    [Theory]
    [MemberData(nameof(ShippedTraces))]
    public async Task Every_shipped_trace_replays_with_the_violations_its_run_printed(string name)
    {
        var trace = Path.Combine(Support.RepoRoot.Traces, name);
        var result = await fixture.State(await fixture.TraceJournal(trace));

        var replayed = result.State.Violations.Select(v => $"! {v.Violation}").ToArray();
        Assert.Equal(ReplayFixture.ExpectedViolations(trace), replayed);
        Assert.Empty(result.State.Unjudged);
    }

    public static TheoryData<string> ShippedTraces() =>
        new(Directory.GetFiles(Support.RepoRoot.Traces, "*.trace").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);
}
