namespace Fabric.Hosting.Replay;

/// <summary>
/// The what-if part of <c>fabric replay --against</c>, printed after the replay summary: the
/// settings changed, one line per statement whose outcome differs (the row, the statement, the
/// recorded and the re-run results), any invariant violation of the re-run as a <c>! </c> line
/// under its statement, and the counts.
/// </summary>
public static class WhatIfReport
{
    public static void Write(TextWriter w, WhatIf whatIf)
    {
        w.WriteLine($"what-if against {whatIf.Config.File}: {string.Join(", ", whatIf.Config.Changes.Select(c => $"{c.Key} = {c.Value}"))}");
        var ioctls = whatIf.Ioctls > 0 ? $"{whatIf.Ioctls} ioctls, " : "";
        w.WriteLine($"  re-ran {whatIf.Statements} statements ({whatIf.Calls} calls, {whatIf.Dmas} DMAs, {ioctls}{whatIf.Statements - whatIf.Calls - whatIf.Dmas - whatIf.Ioctls} setup) on a fresh in-memory fabric, in journal order");
        foreach (var d in whatIf.Differences)
        {
            var recorded = d.Recorded ?? "ok";
            var against = d.Against.Count == 0 ? "ok" : string.Join("; ", d.Against);
            w.WriteLine(recorded == against
                ? $"  {d.At}: {d.Statement}: {recorded} in both"
                : $"  {d.At}: {d.Statement}: recorded {recorded}, against {against}");
            foreach (var v in d.Violations) w.WriteLine($"  {v}");
        }
        var byKind = whatIf.Differences
            .Where(d => d.Against.Count != 1 || d.Recorded != d.Against[0])
            .Where(d => d.Recorded is not null || d.Against.Count > 0)
            .GroupBy(d => d.Kind)
            .ToDictionary(g => g.Key, g => g.Count());
        var differ = byKind.Values.Sum();
        w.WriteLine(differ == 0 && whatIf.Violations == 0
            ? "  outcomes: the same for every statement"
            : $"  outcomes: {differ} differ ({Count(byKind, WhatIfKind.Call)} calls, {Count(byKind, WhatIfKind.Dma)} DMAs, " +
              (whatIf.Ioctls > 0 ? $"{Count(byKind, WhatIfKind.Ioctl)} ioctls, " : "") +
              $"{Count(byKind, WhatIfKind.Setup)} setup); {whatIf.Violations} invariant violations in the re-run");
    }

    private static int Count(Dictionary<WhatIfKind, int> counts, WhatIfKind kind) => counts.GetValueOrDefault(kind);
}
