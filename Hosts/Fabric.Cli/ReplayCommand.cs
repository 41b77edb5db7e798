using System.CommandLine;
using Fabric.Hosting.Replay;

namespace Fabric.Cli;

/// <summary>
/// <c>fabric replay JOURNAL [--until SEQ|TIME] [--export-trace FILE] [--skip-bad] [--against CONFIG]</c>:
/// rebuild every host, table and PE from a journal with the actors' own Apply, print a summary,
/// re-check the invariants over the whole history, and optionally re-run the recorded calls on a
/// fabric built from another configuration. Exit codes: 0 clean, 1 an invariant was violated, 2 an
/// unreadable or malformed journal or configuration, 3 the what-if outcomes differ (see docs/replay.md).
/// </summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var journal = new Argument<string>("journal") { Description = "the journal a run recorded, as --journal names it: a SQLite file, postgres ($FABRIC_POSTGRES) or postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME; only read" };
        var until = new Option<string?>("--until")
        {
            Description = "stop after this row (the journal's global ordering, e.g. 120) or before the first row written after this ISO 8601 time (e.g. 2025-11-27T16:32:04Z, UTC unless it has an offset), and show the state there",
            HelpName = "SEQ|TIME",
        };
        var export = new Option<string?>("--export-trace")
        {
            Description = "write the recorded setup, calls and DMAs as a trace that `fabric trace` runs again, and beside it FILE.expected: what the recorded run printed for them",
            HelpName = "FILE",
        };
        var skipBad = new Option<bool>("--skip-bad")
        {
            Description = "skip rows that cannot be replayed (undeserialisable, unknown serializer or type, gaps), counting them in the summary, instead of stopping at the first",
        };
        var against = new Option<string?>("--against")
        {
            Description = "re-run the recorded setup, calls and DMAs, in journal order, on a fresh in-memory fabric built from this HOCON file " +
                          "(e.g. fabric.kvm.acceleration = off) and print where the outcomes differ; exit 3 when some do",
            HelpName = "CONFIG",
        };
        var command = new Command("replay", "rebuild the fabric's state from a journal, print a summary and re-check the invariants")
        {
            journal, until, export, skipBad, against,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var limit = ReplayLimit.None;
            if (parse.GetValue(until) is { } text && !ReplayLimit.TryParse(text, out limit, out var error))
            {
                await Console.Error.WriteLineAsync(error);
                return ReplayExit.Malformed;
            }
            var options = new ReplayOptions { Until = limit, SkipBad = parse.GetValue(skipBad) };
            return await new ReplayRunner(Console.Out, Console.Error).Run(parse.GetValue(journal)!, options, parse.GetValue(export), cancellation, parse.GetValue(against));
        });
        return command;
    }
}
