using System.Text.RegularExpressions;
using Fabric.Hosting.Trace;
using Fabric.Tests.Support;

namespace Fabric.Tests.Trace;

/// <summary>
/// Every trace shipped in config/traces runs against an in-memory fabric and prints exactly its
/// NAME.expected; it exits 0, or 1 when what it shows is an invariant violation (its expected
/// output holds the `! ` lines). The folder is globbed, so a new trace is covered as soon as it
/// is added with its expected output.
/// </summary>
public class ShippedTraceTests
{
    public static TheoryData<string> ShippedTraces()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(RepoRoot.Traces, "*.trace").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedTraces))]
    public async Task Trace_prints_its_expected_output_and_exits_0_unless_it_shows_a_violation(string name)
    {
        var trace = Path.Combine(RepoRoot.Traces, name);
        var expectedPath = Path.ChangeExtension(trace, ".expected");
        Assert.True(File.Exists(expectedPath), $"{name} has no {Path.GetFileName(expectedPath)}: commit what `fabric trace {name}` prints, once checked");

        var run = await TraceRun.File(trace);

        var expected = await File.ReadAllTextAsync(expectedPath);
        OutputDiff.AssertSame(Path.GetFileName(expectedPath), expected, run.Out);
        var expectedExit = OutputDiff.Lines(expected).Any(l => l.StartsWith("! ", StringComparison.Ordinal)) ? 1 : 0;
        Assert.True(run.Exit == expectedExit, $"{name} exited {run.Exit}, not {expectedExit}; stderr:\n{run.Err}");
        await AssertEachErrorIsAFailedSetupLine(trace, run);
    }

    /// <summary>A clean run writes to stderr only the reasons of setup failures: `FILE:LINE: reason` for a line that printed ret=-errno.</summary>
    private static async Task AssertEachErrorIsAFailedSetupLine(string trace, TraceRun run)
    {
        var lines = await File.ReadAllLinesAsync(trace);
        var location = new Regex($"^{Regex.Escape(trace)}:(\\d+): .+$");
        foreach (var err in run.ErrLines)
        {
            var m = location.Match(err);
            Assert.True(m.Success, $"stderr line is not `{trace}:LINE: reason`: {err}");
            var number = int.Parse(m.Groups[1].Value);
            var statement = TraceParser.ParseLine(trace, number, lines[number - 1]);
            Assert.NotNull(statement);
            var echo = TraceOutput.Echo(statement);
            Assert.True(run.OutLines.Any(o => o.StartsWith(echo + " ret=-", StringComparison.Ordinal)),
                $"line {number} has a reason on stderr but printed no `{echo} ret=-errno`: {err}");
        }
    }

    [Fact]
    public void Every_expected_file_has_its_trace() =>
        Assert.All(Directory.GetFiles(RepoRoot.Traces, "*.expected"),
            e => Assert.True(File.Exists(Path.ChangeExtension(e, ".trace")), $"{Path.GetFileName(e)} has no trace"));

    [Fact]
    public void The_shipped_traces_include_the_hypercall_and_setup_tours() =>
        Assert.Superset(
            new HashSet<string?> { "quickstart.trace", "h_put_tce-errors.trace", "h_get_tce-errors.trace", "h_stuff_tce-errors.trace",
                "h_put_tce_indirect-errors.trace", "subpages.trace", "setup-errors.trace", "vfio-errors.trace", "vfio-memory-reset.trace" },
            Directory.GetFiles(RepoRoot.Traces, "*.trace").Select(Path.GetFileName).ToHashSet());
}
