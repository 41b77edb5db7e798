namespace Fabric.Hosting.Replay;

/// <summary>What <c>fabric replay</c> is asked to do.</summary>
public sealed record ReplayOptions
{
    /// <summary>Stop after this row, or before the first row written after this time.</summary>
    public ReplayLimit Until { get; init; }

    /// <summary>Skip bad rows (counted in the summary) instead of stopping at the first.</summary>
    public bool SkipBad { get; init; }

    /// <summary>Threads that decode rows ahead of the fold; 0 = one per core, 1 = decode inline.</summary>
    public int Parallelism { get; init; }
}

/// <summary>The outcome of a replay: the rebuilt state, what was read and skipped, and the exit code.</summary>
public sealed record ReplayResult(string Journal, ReplayOptions Options, ReplayState State, JournalReader Reader)
{
    /// <summary>0 clean, 1 an invariant was violated (bad rows skipped with --skip-bad do not change it).</summary>
    public int ExitCode => State.Violations.Count > 0 ? ReplayExit.Violation : ReplayExit.Clean;

    /// <summary>The exit code once a what-if re-run is counted: 3 when its outcomes differ and the history is clean.</summary>
    public int ExitCodeWith(WhatIf? whatIf) =>
        ExitCode == ReplayExit.Clean && whatIf is { Differences.Count: > 0 } ? ReplayExit.OutcomesDiffer : ExitCode;
}

/// <summary>The exit codes of <c>fabric replay</c>.</summary>
public static class ReplayExit
{
    public const int Clean = 0;
    public const int Violation = 1;

    /// <summary>The journal cannot be read, or a bad row stopped replay, or the export failed.</summary>
    public const int Malformed = 2;

    /// <summary>The history is clean, but the what-if re-run (--against) printed something else for some statements.</summary>
    public const int OutcomesDiffer = 3;
}

/// <summary>
/// Replays a journal: reads its events in global order, folds them into a
/// <see cref="ReplayState"/> (the actors' own Apply) while re-checking the invariants, and hands
/// each applied event to an optional <see cref="TraceExporter"/> and an optional <see cref="WhatIf"/> re-run. Pure of output: printing is the
/// caller's (<see cref="ReplaySummary"/>, <see cref="ReplayRunner"/>).
/// </summary>
public static class Replayer
{
    /// <summary>
    /// Throws <see cref="JournalUnreadableException"/>, <see cref="BadRowException"/> (a bad row
    /// without <see cref="ReplayOptions.SkipBad"/>) or <see cref="TraceExportException"/>.
    /// </summary>
    public static async Task<ReplayResult> Run(IJournalSource source, EventDecoder decoder, ReplayOptions options,
        TraceExporter? export = null, CancellationToken cancellation = default, WhatIf? whatIf = null)
    {
        var reader = new JournalReader(source, decoder, options.SkipBad, options.Parallelism);
        var state = new ReplayState();
        await foreach (var e in reader.ReadAsync(options.Until, cancellation))
        {
            var problem = state.Apply(e, out var kind);
            if (problem is not null)
            {
                reader.Reject(BadRow.At(e.At, kind, problem));
                continue;
            }
            export?.Add(e);
            if (whatIf is not null) await whatIf.Add(e);
        }
        state.Finish();
        return new ReplayResult(source.Name, options, state, reader);
    }
}
