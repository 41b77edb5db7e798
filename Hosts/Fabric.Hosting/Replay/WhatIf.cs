using Fabric.Hosting.Trace;

namespace Fabric.Hosting.Replay;

/// <summary>What a statement is, for counting differences.</summary>
public enum WhatIfKind { Setup, Call, Dma, Ioctl }

/// <summary>
/// One statement whose outcome on the what-if fabric is not the recorded one: the row it came
/// from, the statement, what the recorded run printed (null for setup, which printed nothing
/// because it succeeded), and what the re-run printed instead (the echo removed; an empty list is
/// a setup that succeeded). <see cref="Violations"/> are invariant violations the re-run found at
/// this statement.
/// </summary>
public sealed record WhatIfDifference(
    JournalPosition At, WhatIfKind Kind, string Statement, string? Recorded, IReadOnlyList<string> Against,
    IReadOnlyList<string> Violations);

/// <summary>
/// <c>fabric replay JOURNAL --against CONFIG</c>: each setup, call and DMA of the journal, as the
/// trace export writes it, is run as it is read on a fresh in-memory fabric built from CONFIG,
/// one statement at a time in journal order, and its output compared with what the recorded run
/// printed. Recorded concurrency is not reproduced: the re-run is the journal's order, serialised,
/// which is what makes two configurations comparable call by call.
/// </summary>
public sealed class WhatIf : IAsyncDisposable
{
    private readonly FabricRuntime _fabric;
    private readonly StringWriter _output = new() { NewLine = "\n" };
    private readonly StringWriter _errors = new() { NewLine = "\n" };
    private readonly TraceRunner _runner;
    private readonly Queue<(JournalPosition At, TraceStatement Statement, string? Recorded)> _pending = new();
    private readonly List<WhatIfDifference> _differences = [];

    public WhatIf(WhatIfConfig config)
    {
        Config = config;
        _fabric = new FabricRuntime(config.Config, "what-if");
        _runner = new TraceRunner(_fabric, _output, _errors);
        Exporter = new TraceExporter(TextWriter.Null, null, "what-if")
        {
            OnStatement = (at, s, recorded) => _pending.Enqueue((at, s, recorded)),
        };
    }

    public WhatIfConfig Config { get; }
    public TraceExporter Exporter { get; }
    public IReadOnlyList<WhatIfDifference> Differences => _differences;
    public long Statements { get; private set; }
    public long Violations { get; private set; }

    /// <summary>Counts of re-run statements by kind.</summary>
    public long Calls => Exporter.Calls;
    public long Dmas => Exporter.Dmas;
    public long Ioctls => Exporter.Ioctls;

    /// <summary>
    /// After replay: a statement whose output was the same but whose re-run found a violation is
    /// no difference when the recorded history has a violation at the same row (replay found the
    /// same flaw in the run as recorded); it stays one otherwise. The counts follow.
    /// </summary>
    public void Settle(IEnumerable<long> recordedViolationRows)
    {
        var recorded = recordedViolationRows.ToHashSet();
        _differences.RemoveAll(d => d.Violations.Count > 0 && recorded.Contains(d.At.Ordering) &&
                                    (d.Recorded is null ? d.Against.Count == 0 : d.Against.Count == 1 && d.Against[0] == d.Recorded));
        Violations = _differences.Sum(d => d.Violations.Count);
    }

    /// <summary>Runs the statements of one replayed event on the what-if fabric.</summary>
    public async ValueTask Add(JournalEvent e)
    {
        Exporter.Add(e);
        while (_pending.TryDequeue(out var next)) await Run(next.At, next.Statement, next.Recorded);
    }

    private async Task Run(JournalPosition at, TraceStatement statement, string? recorded)
    {
        Statements++;
        var echo = TraceOutput.Echo(statement);
        List<string> lines;
        try
        {
            await _runner.RunStatement(statement);
            lines = [.. Lines(_output)];
        }
        catch (TraceFormatException e)
        {
            // An earlier setup that failed in the re-run (a VM never created) leaves this one unable to run.
            _ = Lines(_output);
            lines = [$"{echo} cannot run: {e.Error.Message}"];
        }
        _ = Lines(_errors);

        var violations = lines.Where(l => l.StartsWith("! ", StringComparison.Ordinal)).ToArray();
        var printed = lines.Where(l => !l.StartsWith("! ", StringComparison.Ordinal)).ToArray();
        Violations += violations.Length;
        var same = recorded is null ? printed.Length == 0 : printed.Length == 1 && printed[0] == recorded;
        if (same && violations.Length == 0) return;
        _differences.Add(new WhatIfDifference(at, KindOf(statement, recorded), echo,
            recorded is null ? null : Results(recorded, echo), [.. printed.Select(p => Results(p, echo))], violations));
    }

    private static WhatIfKind KindOf(TraceStatement s, string? recorded) =>
        recorded is null || TraceSchema.Verbs.FirstOrDefault(v => v.Name == s.Verb)?.Kind == TraceVerbKind.Setup ? WhatIfKind.Setup
        : s.Verb == "DMA" ? WhatIfKind.Dma
        : s.Verb.StartsWith("H_", StringComparison.Ordinal) ? WhatIfKind.Call
        : WhatIfKind.Ioctl;

    /// <summary>The results of an output line: what follows the statement's echo.</summary>
    private static string Results(string line, string echo) =>
        line.StartsWith(echo, StringComparison.Ordinal) ? line[echo.Length..].TrimStart() : line;

    private static string[] Lines(StringWriter w)
    {
        var sb = w.GetStringBuilder();
        var text = sb.ToString();
        sb.Clear();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public ValueTask DisposeAsync() => _fabric.DisposeAsync();
}
