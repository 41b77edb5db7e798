using System.Text.RegularExpressions;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// The line each key path of a HOCON text is written on, so an error about
/// <c>scenario.vms.g1.ram</c> can name its line. Akka's parser keeps no positions; this reads
/// the text's own nesting of <c>key {</c>, <c>key = {</c> and <c>}</c>.
/// </summary>
public sealed partial class HoconLines
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public HoconLines(string text)
    {
        var stack = new Stack<string>();
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = StripComment(raw);
            var i = 0;
            while (i < line.Length)
            {
                var m = KeyPattern().Match(line, i);
                if (m.Success && m.Index == i)
                {
                    var key = m.Groups["key"].Value.Trim('"');
                    var path = stack.Count == 0 ? key : $"{stack.Peek()}.{key}";
                    _lines.TryAdd(path, lineNo);
                    i = m.Index + m.Length;
                    if (m.Groups["open"].Success) stack.Push(path);
                    continue;
                }
                switch (line[i])
                {
                    case '}':
                        stack.TryPop(out _);
                        break;
                    case '"':
                        var end = line.IndexOf('"', i + 1);
                        i = end < 0 ? line.Length : end;
                        break;
                }
                i++;
            }
        }
    }

    /// <summary>The line of the path, else of its nearest written parent, else 1.</summary>
    public int Of(string path)
    {
        for (var p = path; p.Length > 0; p = p.Contains('.') ? p[..p.LastIndexOf('.')] : "")
            if (_lines.TryGetValue(p, out var line)) return line;
        return 1;
    }

    private static string StripComment(string line)
    {
        var inString = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"') inString = !inString;
            if (inString) continue;
            if (line[i] == '#' || (line[i] == '/' && i + 1 < line.Length && line[i + 1] == '/')) return line[..i];
        }
        return line;
    }

    [GeneratedRegex("""\G[\s,{]*(?<key>"[^"]+"|[A-Za-z_][A-Za-z0-9_\-.]*)\s*(?:(?<open>=?\s*\{)|[=:])""")]
    private static partial Regex KeyPattern();
}
