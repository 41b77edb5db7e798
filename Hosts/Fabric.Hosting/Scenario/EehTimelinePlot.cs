using System.Globalization;
using System.Text;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// The report page's EEH timeline: each guest PE's events and recoveries in a table, then one
/// row per guest PE over the run's time (freezes injected, each spread to the whole guest PE as
/// a bar to the guest's event, the recovery as a bar to its end, every RTAS step a tick, and
/// how it ended), then every point of the timeline with its time.
/// </summary>
public static class EehTimelinePlot
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The colour of each kind of point, also the plot's legend.</summary>
    public static readonly IReadOnlyDictionary<EehMark, string> Colours = new Dictionary<EehMark, string>
    {
        [EehMark.Freeze] = "#c33",
        [EehMark.Spread] = "#e90",
        [EehMark.GuestEvent] = "#639",
        [EehMark.Step] = "#4a78b5",
        [EehMark.Recovered] = "#2a7",
        [EehMark.GivenUp] = "#000",
    };

    public static string Render(RunReport r)
    {
        var entries = r.EehEntries;
        if (entries.Count == 0 && r.Recoveries.Count == 0) return "";
        var html = new StringBuilder("<h2>EEH timeline</h2>");
        if (r.Recoveries.Count > 0)
        {
            html.Append("<table><tr><th>guest PE</th><th>host PEs</th><th>recoveries</th><th>recovered</th><th>taken over by the next</th><th>given up</th><th>host PEs at the end</th></tr>");
            foreach (var e in r.Recoveries)
                html.Append(string.Create(Inv, $"<tr><td>{HtmlReport.E(e.Name)}</td><td>{string.Join(", ", e.HostPes)}</td><td>{e.Episodes.Count}</td><td>{e.Recovered}</td>") +
                            string.Create(Inv, $"<td>{e.Episodes.Count - e.Recovered - e.GivenUp}</td><td{(e.AllRecovered ? "" : " class=\"bad\"")}>{e.GivenUp}{(e.Failure is null ? "" : $" ({HtmlReport.E(e.Failure)})")}</td>") +
                            $"<td>{HtmlReport.E(string.Join(", ", e.FinalStates))}</td></tr>");
            html.Append("</table>");
        }
        html.Append(Plot(r, entries));
        html.Append("<table><tr><th>at</th><th>guest PE</th><th>what</th><th></th></tr>");
        foreach (var e in entries.Take(2000))
            html.Append(string.Create(Inv, $"<tr><td>{e.At.TotalMilliseconds:F2} ms</td><td>{HtmlReport.E(e.Row)}</td><td style=\"color:{Colours[e.Mark]}\">{e.Mark}</td><td>{HtmlReport.E(e.What)}</td></tr>"));
        if (entries.Count > 2000) html.Append(string.Create(Inv, $"<tr><td colspan=\"4\">... and {entries.Count - 2000} more</td></tr>"));
        return html.Append("</table>").ToString();
    }

    private static string Plot(RunReport r, IReadOnlyList<EehTimelineEntry> entries)
    {
        const int Label = 160, W = 800, Row = 26, Top = 20;
        var rows = entries.Select(e => e.Row).Concat(r.Recoveries.Select(e => e.Name)).Distinct().ToList();
        var end = Math.Max(1, Math.Max(r.Elapsed.TotalMilliseconds, entries.Count > 0 ? entries[^1].At.TotalMilliseconds : 0));
        double X(TimeSpan t) => Label + W * Math.Clamp(t.TotalMilliseconds / end, 0, 1);
        int Y(string row) => Top + rows.IndexOf(row) * Row;

        var height = Top + rows.Count * Row + 24;
        var svg = new StringBuilder(string.Create(Inv, $"<svg width=\"{Label + W + 10}\" height=\"{height}\" role=\"img\" aria-label=\"EEH timeline\">"));
        var x = Label;
        foreach (var (mark, colour) in Colours)
        {
            svg.Append(string.Create(Inv, $"<rect x=\"{x}\" y=\"4\" width=\"10\" height=\"10\" fill=\"{colour}\"/><text x=\"{x + 14}\" y=\"13\" font-size=\"11\">{mark}</text>"));
            x += 110;
        }
        foreach (var row in rows)
            svg.Append(string.Create(Inv, $"<text x=\"0\" y=\"{Y(row) + 15}\" font-size=\"11\">{HtmlReport.E(row)}</text><line x1=\"{Label}\" x2=\"{Label + W}\" y1=\"{Y(row) + 11}\" y2=\"{Y(row) + 11}\" stroke=\"#ddd\"/>"));
        // Bars: each episode's spread (first host PE frozen to the guest's event) and recovery (event to its end).
        foreach (var e in r.Recoveries)
            foreach (var ep in e.Episodes)
            {
                svg.Append(Bar(X(ep.FirstFrozeAt), X(ep.SeenAt), Y(e.Name) + 4, Colours[EehMark.Spread], $"spread of event {ep.Event?.Serial}: {ep.Event?.SpreadMicroseconds ?? 0} µs"));
                svg.Append(Bar(X(ep.SeenAt), X(ep.DoneAt), Y(e.Name) + 8, Colours[ep.Recovery.Recovered ? EehMark.Recovered : EehMark.GivenUp],
                    $"recovery {(ep.Event is null ? "of the PE found frozen again" : $"of event {ep.Event.Serial}")}: {(ep.DoneAt - ep.SeenAt).TotalMilliseconds.ToString("F2", Inv)} ms, {ep.Recovery.Outcome}"));
            }
        foreach (var e in entries)
        {
            var (y, h) = e.Mark is EehMark.Step ? (Y(e.Row) + 14, 6) : (Y(e.Row), 20);
            svg.Append(string.Create(Inv, $"<rect x=\"{X(e.At):F1}\" y=\"{y}\" width=\"{(e.Mark == EehMark.Step ? 1 : 2)}\" height=\"{h}\" fill=\"{Colours[e.Mark]}\">") +
                       $"<title>{e.At.TotalMilliseconds.ToString("F2", Inv)} ms {e.Mark}: {HtmlReport.E(e.What)}</title></rect>");
        }
        svg.Append(string.Create(Inv, $"<text x=\"{Label}\" y=\"{height - 6}\" font-size=\"11\">0 ms</text><text x=\"{Label + W - 70}\" y=\"{height - 6}\" font-size=\"11\">{end:F0} ms</text>"));
        return svg.Append("</svg>").ToString();
    }

    private static string Bar(double from, double to, int y, string colour, string title) =>
        string.Create(Inv, $"<rect x=\"{from:F1}\" y=\"{y}\" width=\"{Math.Max(1.5, to - from):F1}\" height=\"4\" fill=\"{colour}\" opacity=\"0.6\"><title>{HtmlReport.E(title)}</title></rect>");
}
