using Fabric.Hosting;
using Fabric.Hosting.Replay;
using Fabric.Hosting.Trace;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Replay;

/// <summary>
/// <c>--export-trace</c>: a recorded run, exported and run again by <c>fabric trace</c>, prints
/// the results the journal recorded, for every shipped trace.
/// </summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplayExportTests(ReplayFixture fixture)
{
    /// <summary>
    /// Every shipped trace but vfio-memory-reset: its SDMDEV_DMA statements (a parent device's DMA
    /// for an mdev's PASID) are checked live but not journaled, so its export lacks them.
    /// </summary>
    public static TheoryData<string> ShippedTraces()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(RepoRoot.Traces, "*.trace").Order(StringComparer.Ordinal))
            if (Path.GetFileName(path) != "vfio-memory-reset.trace") data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedTraces))]
    public async Task An_exported_trace_runs_again_and_prints_the_recorded_results(string name)
    {
        var trace = Path.Combine(RepoRoot.Traces, name);
        var violations = ReplayFixture.ExpectedViolations(trace);
        var exit = violations.Length > 0 ? ReplayExit.Violation : ReplayExit.Clean;
        var journal = await fixture.TraceJournal(trace);
        var export = fixture.NewFile(name);

        var replay = await fixture.Replay(journal, exportTrace: export);
        Assert.True(replay.Exit == exit, replay.Err);

        var recorded = await File.ReadAllTextAsync(Path.ChangeExtension(export, ".expected"));
        var again = await RunAgain(export);
        Assert.True(again.Exit == exit, again.Err);
        // Only the reasons of ioctls and setup that failed, each naming its line of the export.
        Assert.All(OutputDiff.Lines(again.Err), l => Assert.StartsWith(export + ":", l));
        // A violation is the checker's finding, not a recorded output: the run again finds the same ones.
        OutputDiff.AssertSame($"{name} exported and run again", recorded,
            string.Join('\n', OutputDiff.Lines(again.Out).Where(l => !l.StartsWith("! ", StringComparison.Ordinal))));
        Assert.Equal(violations, OutputDiff.Lines(again.Out).Where(l => l.StartsWith("! ", StringComparison.Ordinal)));
        Assert.NotEmpty(OutputDiff.Lines(recorded));
    }

    [Fact]
    public async Task The_export_interleaves_setup_pokes_calls_and_DMAs_in_journal_order()
    {
        var journal = await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "quickstart.trace"));
        var export = fixture.NewFile("quickstart.trace");

        var replay = await fixture.Replay(journal, exportTrace: export);

        Assert.Contains($"exported 16 statements (4 calls, 4 DMAs) to {export} and {Path.ChangeExtension(export, ".expected")}", replay.OutLines);
        var statements = (await File.ReadAllLinesAsync(export)).Where(l => !l.StartsWith('#')).ToArray();
        Assert.Equal(
            [
                "host name=h0",
                "vm name=g ram=0x80000000 host=h0",
                "phb vm=g index=1 ddw=on pgsz=0x107 dma_win_size=0x40000000 dma64_win_addr=0x800000000000000",
                "H_PUT_TCE vm=g liobn=0x80000100 ioba=0x1000 tce=0x1003",
                "H_GET_TCE vm=g liobn=0x80000100 ioba=0x1000",
                "tce-table vm=g liobn=0x1 page_shift=12 offset=0x0 size=0x40000",
                "pe host=h0 id=1 phb=0",
                "pe host=h0 id=2 phb=0",
                "container host=h0 id=c0 groups=1,2 page_shift=12 window_size=0x40000000 bus_offset=0x0",
                "bind vm=g liobn=0x1 group=1 host=h0",
                "H_PUT_TCE vm=g liobn=0x1 ioba=0x2000 tce=0x7f000003",
                "DMA host=h0 pe=1 ioba=0x2010 dir=write",
                "DMA host=h0 pe=2 ioba=0x2010 dir=read",
                "H_PUT_TCE vm=g liobn=0x1 ioba=0x2000 tce=0x0",
                "DMA host=h0 pe=1 ioba=0x2010 dir=write",
                "DMA host=h0 pe=2 ioba=0x2010 dir=read",
            ],
            statements);
    }

    [Fact]
    public async Task An_export_until_a_row_holds_only_what_was_journaled_up_to_it()
    {
        var journal = await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "quickstart.trace"));
        var export = fixture.NewFile("until.trace");
        var map = ReplayFixture.Ordering(journal, "tce/h0/g/0x1", 2);

        var replay = await fixture.Replay(journal, new ReplayOptions { Until = ReplayLimit.AtOrdering(map) }, export);

        Assert.Equal(0, replay.Exit);
        var statements = (await File.ReadAllLinesAsync(export)).Where(l => !l.StartsWith('#')).ToArray();
        Assert.Equal("H_PUT_TCE vm=g liobn=0x1 ioba=0x2000 tce=0x7f000003", statements[^1]);
        var again = await RunAgain(export);
        OutputDiff.AssertSame("until.expected", await File.ReadAllTextAsync(Path.ChangeExtension(export, ".expected")), again.Out);
    }

    [Fact]
    public async Task A_replay_of_the_rerun_journal_prints_the_same_state()
    {
        var name = "h_put_tce_indirect-errors.trace";
        var journal = await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, name));
        var export = fixture.NewFile(name);
        Assert.Equal(0, (await fixture.Replay(journal, exportTrace: export)).Exit);

        var rerun = await fixture.Journal("rerun-" + name, async (runtime, output) =>
            Assert.Equal(0, await new TraceRunner(runtime, output, output).RunFile(export)));

        var first = await fixture.Replay(journal);
        var second = await fixture.Replay(rerun);
        // Everything but the journal's name and the times of its rows.
        static string[] State(ReplayRun r) => r.OutLines.Where(l => !l.StartsWith("journal ") && !l.StartsWith("time ")).ToArray();
        Assert.Equal(State(first), State(second));
    }

    [Fact]
    public async Task A_journal_a_trace_cannot_express_replays_but_its_export_stops_with_exit_2_and_leaves_no_files()
    {
        var journal = await fixture.Journal("two-windows", async (runtime, _) =>
        {
            Assert.Equal(SetupResult.Ok, await runtime.Setup("h0", new AddHostPe(1, 0)));
            Assert.Equal(SetupResult.Ok, await runtime.Setup("h0", new CreateContainer("c0", [1],
                [new HardwareWindow(0, 12, 0, 0x40000), new HardwareWindow(1, 16, 1UL << 40, 0x1000)])));
        });
        var export = fixture.NewFile("two-windows.trace");

        var plain = await fixture.Replay(journal);
        var exported = await fixture.Replay(journal, exportTrace: export);

        Assert.Equal(0, plain.Exit);
        Assert.Equal((ReplayExit.Malformed, ""), (exported.Exit, exported.Out));
        Assert.Contains("(host/h0 #2): container c0 has 2 hardware windows (0, 1); a trace's container statement makes exactly one, window 0; " +
                        "the journal replays, but cannot be exported as a trace (run without --export-trace)", exported.Err);
        Assert.False(File.Exists(export));
        Assert.False(File.Exists(Path.ChangeExtension(export, ".expected")));
    }

    private static async Task<TraceRun> RunAgain(string trace)
    {
        await using var fabric = new FabricRuntime(TestConfigs.InMemory());
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await new TraceRunner(fabric, output, errors).RunFile(trace);
        return new TraceRun(exit, output.ToString(), errors.ToString());
    }

    private sealed record TraceRun(int Exit, string Out, string Err);
}
