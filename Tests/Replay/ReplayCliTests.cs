using System.Diagnostics;
using Fabric.Tests.Support;

namespace Fabric.Tests.Replay;

/// <summary>`fabric replay` as a user runs it: the built program, its exit codes and streams.</summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplayCliTests(ReplayFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Replay_of_a_recorded_journal_prints_the_summary_and_exits_0()
    {
        var journal = await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "quickstart.trace"));

        var run = await Fabric("replay", journal, "--until", "1000000", "--skip-bad");

        Assert.True(run.Exit == 0, run.Err);
        Assert.Equal("", run.Err);
        var lines = OutputDiff.Lines(run.Out);
        Assert.Equal([$"journal {journal}", "until row 1000000"], lines[..2]);
        Assert.Equal("invariants 4 calls acknowledged, 4 DMAs checked: clean", lines[^1]);
    }

    [Fact]
    public async Task A_damaged_journal_exits_2_with_the_reason_on_stderr()
    {
        var journal = fixture.Copy(await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "quickstart.trace")));
        ReplayFixture.Change(journal, "UPDATE journal SET identifier = 5 WHERE persistence_id = 'pe/h0/0.1' AND sequence_number = 1");

        var damaged = await Fabric("replay", journal, "--export-trace", journal + ".trace");

        Assert.Equal((2, ""), (damaged.Exit, damaged.Out));
        Assert.Contains("(pe/h0/0.1 #1): it was written by serializer id 5", damaged.Err);
        Assert.Contains("--skip-bad", damaged.Err);
        // The export stopped with replay: nothing half-written is left.
        Assert.False(File.Exists(journal + ".trace"));
        Assert.False(File.Exists(journal + ".expected"));
    }

    [Fact]
    public async Task A_what_if_whose_outcomes_differ_exits_3_and_names_the_statement()
    {
        var journal = await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "h_get_tce-errors.trace"));
        var config = fixture.NewFile("kvm-off.hocon");
        await File.WriteAllTextAsync(config, "fabric.kvm.acceleration = off\n");

        var run = await Fabric("replay", journal, "--against", config);

        Assert.True(run.Exit == 3, run.Out + run.Err);
        Assert.Equal("", run.Err);
        var lines = OutputDiff.Lines(run.Out);
        Assert.Contains(lines, l => l.EndsWith("H_GET_TCE vm=g liobn=0x1 ioba=0x3008: recorded ret=-4 tce=0x1, against ret=0 tce=0x0", StringComparison.Ordinal));
        Assert.Equal("  outcomes: 1 differ (1 calls, 0 DMAs, 0 setup); 0 invariant violations in the re-run", lines[^1]);
    }

    /// <summary>Runs fabric.dll with <paramref name="args"/>; kills it and fails if it runs past <see cref="Limit"/>.</summary>
    private static Task<FabricProcess.Run> Fabric(params string[] args) => FabricProcess.RunAsync(Limit, new Dictionary<string, string>(), args);
}
