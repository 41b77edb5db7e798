using System.Globalization;
using Fabric.Hosting.Scenario;
using Spectre.Console;

namespace Fabric.Cli;

/// <summary>The run report on the console: the same figures as the HTML page, as tables.</summary>
public static class RunConsoleReport
{
    public static void Print(RunReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(r.Scenario.Name)}[/]: {r.Calls.ToString("N0", inv)} hypercalls in {r.Elapsed.TotalSeconds.ToString("F2", inv)} s " +
                               $"({r.CallsPerSecond.ToString("N0", inv)} /s), seed {r.Scenario.Seed}");

        if (r.Boot is { } b) AnsiConsole.MarkupLine($"boot: {Markup.Escape(b.Describe())}");
        if (r.Memory is { } m) AnsiConsole.MarkupLine($"memory: {Markup.Escape(m.Describe(r.Boot?.TcesMapped))}");

        var calls = new Table().AddColumns("call", "return", "count");
        foreach (var (kind, ret, count) in r.CallsByKind) calls.AddRow(kind, $"{ret} ({(long)ret})", count.ToString("N0", inv));
        AnsiConsole.Write(calls);

        var latency = new Table().AddColumns("latency", "samples", "p50", "p90", "p99", "p99.9");
        void Row(string name, LatencyHistogram h) => latency.AddRow(Markup.Escape(name), h.Count.ToString("N0", inv),
            HtmlReport.Us(h.Percentile(.5)), HtmlReport.Us(h.Percentile(.9)), HtmlReport.Us(h.Percentile(.99)), HtmlReport.Us(h.Percentile(.999)));
        Row("whole call", r.Stats.Latency);
        // On a cluster the calls cross processes, and the hop timestamps (shared objects) cannot follow.
        if (r.Scenario.Cluster is null)
            for (var h = 0; h < RunStats.Hops.Length; h++) Row(RunStats.Hops[h], r.Stats.HopLatency[h]);
        AnsiConsole.Write(latency);
        if (r.Scenario.Cluster is not null) AnsiConsole.MarkupLine("latency per hop: not measured on a cluster (the calls cross processes)");

        if (r.Stats.DmaCount > 0)
            AnsiConsole.MarkupLine("DMAs: " + string.Join(", ", r.Stats.Dmas.Select(d => $"{d.Outcome} {d.Count.ToString("N0", inv)}")));
        foreach (var (kind, n) in r.Crashes) AnsiConsole.MarkupLine($"crashes of {Markup.Escape(kind)}: {Markup.Escape(r.CrashLine(kind, n))}");
        foreach (var (host, k) in r.KillFaults)
            AnsiConsole.MarkupLine($"kills on {Markup.Escape(host)}: {k.Dropped:N0} dropped, {k.Delayed:N0} delayed, {k.Duplicated:N0} duplicated");
        if (r.JournalFaults is { } jf)
            AnsiConsole.MarkupLine($"journal writes of tables and PEs: {jf.Failed:N0} failed, {jf.Rejected:N0} rejected, of {jf.Writes:N0}");
        foreach (var k in r.NodeKills)
            AnsiConsole.MarkupLine($"{Markup.Escape(k.Fault)} at {k.At.TotalSeconds.ToString("0.0", inv)} s: killed {Markup.Escape(k.Target)}");
        if (r.Stats.AbandonedCalls > 0)
            AnsiConsole.MarkupLine($"calls abandoned (a vCPU crashed with it, or its answer was lost with a member): {r.Stats.AbandonedCalls:N0}");
        var freezes = r.Faults.Count(f => f.Outcome == "frozen");
        if (r.Faults.Count > 0) AnsiConsole.MarkupLine($"EEH: {freezes} freezes injected ({r.Faults.Count - freezes} refused)");
        EehTimeline(r);
        foreach (var t in r.Traces) AnsiConsole.MarkupLine($"trace {Markup.Escape(t.Workload)}: {t.Lines} lines, exit {t.Exit}");
        if (r.JournalBytes is { } bytes)
            AnsiConsole.MarkupLine($"journal: {bytes.ToString("N0", inv)} bytes, {r.JournalRows?.ToString("N0", inv)} events");

        if (r.Journaled is { } j)
            AnsiConsole.MarkupLine(j.Lost == 0
                ? $"[green]journal: all {j.Acknowledged.ToString("N0", inv)} acknowledged calls are in it[/] ({j.Journaled.ToString("N0", inv)} calls journaled)"
                : $"[red]journal: {j.Lost.ToString("N0", inv)} of {j.Acknowledged.ToString("N0", inv)} acknowledged calls are missing, the first {Markup.Escape(j.FirstLost!)}[/]");
        if (r.Violations.Count == 0) AnsiConsole.MarkupLine("[green]invariants: no violation[/]");
        else
        {
            AnsiConsole.MarkupLine($"[red]invariants: {r.Violations.Count} violation(s)[/]");
            foreach (var v in r.Violations.Take(20)) Console.WriteLine($"! {v}");
        }
    }

    /// <summary>Shown in full up to this many points; the page (--report) has them all.</summary>
    private const int TimelineRows = 60;

    private static void EehTimeline(RunReport r)
    {
        foreach (var e in r.Recoveries)
        {
            var spreads = e.Episodes.Where(x => x.Event is not null).Select(x => x.Event!.SpreadMicroseconds).Order().ToList();
            var recoveries = e.Episodes.Select(x => (x.DoneAt - x.SeenAt).TotalMilliseconds).Order().ToList();
            var summary = $"EEH {e.Name} (host PEs {string.Join(", ", e.HostPes)}): {spreads.Count} events, {e.Episodes.Count} recoveries: {e.Recovered} recovered, " +
                          $"{e.Episodes.Count - e.Recovered - e.GivenUp} taken over by the next, {e.GivenUp} given up" +
                          (spreads.Count > 0 ? $"; spread p50 {spreads[spreads.Count / 2]} µs, recovery p50 {recoveries[recoveries.Count / 2]:F1} ms" : "") +
                          $"; host PEs at the end: {string.Join(", ", e.FinalStates)}";
            AnsiConsole.MarkupLine(e.AllRecovered ? Markup.Escape(summary) : $"[red]{Markup.Escape(summary)}{Markup.Escape(e.Failure is null ? "" : $": {e.Failure}")}[/]");
        }
        var entries = r.EehEntries;
        if (entries.Count == 0) return;
        var table = new Table().Title("EEH timeline").AddColumns("at", "guest PE", "what");
        foreach (var t in entries.Take(TimelineRows))
            table.AddRow($"{t.At.TotalMilliseconds:F1} ms", Markup.Escape(t.Row), Markup.Escape($"{t.Mark}: {t.What}"));
        AnsiConsole.Write(table);
        if (entries.Count > TimelineRows) AnsiConsole.MarkupLine($"... and {entries.Count - TimelineRows:N0} more (all of them with --report)");
    }
}
