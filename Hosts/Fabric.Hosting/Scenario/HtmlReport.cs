using System.Globalization;
using System.Net;
using System.Text;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// `fabric run --report FILE`: the report as one self-contained HTML page (no scripts, no
/// downloads) with inline SVG plots: the latency histogram, throughput over time and the
/// timeline of injected faults.
/// </summary>
public static class HtmlReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(RunReport r)
    {
        var s = r.Scenario;
        var html = new StringBuilder();
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Fabric run: {{E(s.Name)}}</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
            table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}
            th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.bad{color:#b00;font-weight:bold}.ok{color:#070}
            svg{background:#fafafa;border:1px solid #ddd}
            </style></head><body>
            <h1>Fabric run: {{E(s.Name)}}</h1>
            <p>{{E(s.File)}} &middot; seed {{s.Seed}} &middot; {{r.Elapsed.TotalSeconds.ToString("F2", Inv)}} s &middot;
            {{r.Calls.ToString("N0", Inv)}} hypercalls ({{r.CallsPerSecond.ToString("N0", Inv)}} /s) &middot; journal {{E(r.Journal)}}</p>
            <h2>Invariants</h2>
            """);
        html.Append(r.Violations.Count == 0
            ? "<p class=\"ok\">No invariant violation.</p>"
            : $"<p class=\"bad\">{r.Violations.Count} violation(s):</p><ul>{string.Concat(r.Violations.Take(100).Select(v => $"<li>{E(v)}</li>"))}</ul>");

        if (r.Boot is { } b) html.Append($"<h2>Boot</h2><p>{E(b.Describe())}</p>");
        if (r.Memory is { } m) html.Append($"<h2>Memory</h2><p>{E(m.Describe(r.Boot?.TcesMapped))}</p>");

        html.Append("<h2>Calls by kind and return code</h2><table><tr><th>call</th><th>return</th><th>count</th></tr>");
        foreach (var (kind, ret, count) in r.CallsByKind)
            html.Append($"<tr><td>{kind}</td><td>{ret} ({(long)ret})</td><td>{count.ToString("N0", Inv)}</td></tr>");
        html.Append("</table>");

        html.Append("<h2>Latency</h2><table><tr><th>hop</th><th>samples</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th></tr>");
        html.Append(LatencyRow("whole call (vCPU to vCPU)", r.Stats.Latency));
        if (r.Scenario.Cluster is null)
            for (var h = 0; h < RunStats.Hops.Length; h++) html.Append(LatencyRow(RunStats.Hops[h], r.Stats.HopLatency[h]));
        html.Append("</table>");
        html.Append(Histogram(r.Stats.Latency));

        html.Append("<h2>Throughput over time</h2>");
        html.Append(Throughput(r.Stats.Throughput(r.Elapsed)));

        html.Append("<h2>Device DMAs</h2><table><tr><th>outcome</th><th>count</th></tr>");
        foreach (var (outcome, count) in r.Stats.Dmas) html.Append($"<tr><td>{outcome}</td><td>{count.ToString("N0", Inv)}</td></tr>");
        html.Append("</table>");

        html.Append("<h2>Faults</h2><table><tr><th>fault</th><th>count</th></tr>");
        foreach (var (kind, n) in r.Crashes) html.Append($"<tr><td>crash {E(kind)}</td><td>{E(r.CrashLine(kind, n))}</td></tr>");
        foreach (var (host, k) in r.KillFaults)
            html.Append($"<tr><td>kills on {E(host)}: dropped / delayed / duplicated</td><td>{k.Dropped:N0} / {k.Delayed:N0} / {k.Duplicated:N0}</td></tr>");
        if (r.JournalFaults is { } jf)
            html.Append($"<tr><td>journal writes of tables and PEs: failed / rejected / all</td><td>{jf.Failed:N0} / {jf.Rejected:N0} / {jf.Writes:N0}</td></tr>");
        foreach (var k in r.NodeKills)
            html.Append($"<tr><td>{E(k.Fault)}: killed {E(k.Target)}</td><td>at {k.At.TotalSeconds.ToString("0.0", Inv)} s</td></tr>");
        html.Append($"<tr><td>calls abandoned (a vCPU crashed with it, or its answer was lost with a member)</td><td>{r.Stats.AbandonedCalls:N0}</td></tr></table>");
        if (r.Faults.Count > 0)
        {
            html.Append("<h2>Injected faults</h2><table><tr><th>at</th><th>fault</th><th>target</th><th>outcome</th></tr>");
            foreach (var f in r.Faults.Take(500))
                html.Append($"<tr><td>{f.At.TotalMilliseconds.ToString("F1", Inv)} ms</td><td>{E(f.Fault)}</td><td>{E(f.Target)}</td><td>{E(f.Outcome)}</td></tr>");
            html.Append("</table>");
        }
        html.Append(EehTimelinePlot.Render(r));
        if (r.Traces.Count > 0)
        {
            html.Append("<h2>Trace workloads</h2><table><tr><th>workload</th><th>file</th><th>lines</th><th>exit</th></tr>");
            foreach (var t in r.Traces) html.Append($"<tr><td>{E(t.Workload)}</td><td>{E(t.File)}</td><td>{t.Lines}</td><td>{t.Exit}</td></tr>");
            html.Append("</table>");
        }
        if (r.Journaled is { } j)
            html.Append(j.Lost == 0
                ? $"<p class=\"ok\">All {j.Acknowledged.ToString("N0", Inv)} acknowledged calls are in the journal.</p>"
                : $"<p class=\"bad\">{j.Lost.ToString("N0", Inv)} of {j.Acknowledged.ToString("N0", Inv)} acknowledged calls are missing from the journal (the first: {E(j.FirstLost!)}).</p>");
        if (r.JournalBytes is { } bytes)
            html.Append($"<h2>Journal</h2><p>{E(r.Journal)}: {bytes.ToString("N0", Inv)} bytes, {r.JournalRows?.ToString("N0", Inv)} events.</p>");
        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static string LatencyRow(string name, LatencyHistogram h) =>
        $"<tr><td>{E(name)}</td><td>{h.Count.ToString("N0", Inv)}</td><td>{Us(h.Percentile(.5))}</td><td>{Us(h.Percentile(.9))}</td><td>{Us(h.Percentile(.99))}</td><td>{Us(h.Percentile(.999))}</td></tr>";

    public static string Us(TimeSpan? t) => t is null ? "-" : $"{(t.Value.TotalMilliseconds * 1000).ToString("N1", Inv)} µs";

    private static string Histogram(LatencyHistogram h)
    {
        var counts = Enumerable.Range(0, LatencyHistogram.Buckets).Select(b => h[b]).ToArray();
        var first = Array.FindIndex(counts, c => c > 0);
        var last = Array.FindLastIndex(counts, c => c > 0);
        if (first < 0) return "<p>No calls.</p>";
        var max = counts.Max();
        const int W = 800, H = 200;
        var n = last - first + 1;
        var bw = (double)W / n;
        var svg = new StringBuilder($"<svg width=\"{W}\" height=\"{H + 30}\" viewBox=\"0 0 {W} {H + 30}\" role=\"img\" aria-label=\"latency histogram\">");
        for (var i = 0; i < n; i++)
        {
            var bh = H * counts[first + i] / (double)max;
            svg.Append(Inv, $"<rect x=\"{i * bw:F1}\" y=\"{H - bh:F1}\" width=\"{Math.Max(1, bw - 1):F1}\" height=\"{bh:F1}\" fill=\"#4a78b5\"><title>≤ {Us(TimeSpan.FromTicks((long)(LatencyHistogram.UpperNs(first + i) / 100)))}: {counts[first + i]}</title></rect>");
        }
        for (var i = 0; i < n; i += Math.Max(1, n / 6))
            svg.Append(Inv, $"<text x=\"{i * bw:F1}\" y=\"{H + 20}\" font-size=\"11\">{Us(TimeSpan.FromTicks((long)(LatencyHistogram.UpperNs(first + i) / 100)))}</text>");
        return svg.Append("</svg>").ToString();
    }

    private static string Throughput(long[] perSlot)
    {
        const int W = 800, H = 200;
        var max = Math.Max(1, perSlot.Max());
        var step = (double)W / Math.Max(1, perSlot.Length - 1);
        var points = string.Join(' ', perSlot.Select((v, i) => string.Create(Inv, $"{i * step:F1},{H - H * v / (double)max:F1}")));
        var perSecond = max / RunStats.Slot.TotalSeconds;
        return $"<svg width=\"{W}\" height=\"{H + 30}\" viewBox=\"0 0 {W} {H + 30}\" role=\"img\" aria-label=\"throughput\">" +
               $"<polyline fill=\"none\" stroke=\"#2a7\" stroke-width=\"1.5\" points=\"{points}\"/>" +
               $"<text x=\"4\" y=\"12\" font-size=\"11\">peak {perSecond.ToString("N0", Inv)} calls/s</text>" +
               $"<text x=\"4\" y=\"{H + 20}\" font-size=\"11\">0 s</text><text x=\"{W - 60}\" y=\"{H + 20}\" font-size=\"11\">{(perSlot.Length * RunStats.Slot.TotalSeconds).ToString("F1", Inv)} s</text></svg>";
    }

    public static string E(string s) => WebUtility.HtmlEncode(s);
}
