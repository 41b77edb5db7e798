namespace Fabric.Hosting.Trace;

/// <summary>"Did you mean" for misspelt verbs, keys and words, and quoting of user text in messages.</summary>
internal static class TraceSuggest
{
    private const int MaxInput = 64;
    private const int MaxQuoted = 40;

    /// <summary>
    /// The candidate the input most likely meant: one that differs only in case, else the
    /// nearest within a third of its length in edits, else the only one it is a prefix of.
    /// </summary>
    public static string? Closest(ReadOnlySpan<char> input, IEnumerable<string> candidates)
    {
        if (input.IsEmpty || input.Length > MaxInput)
        {
            return null;
        }
        var list = candidates as IReadOnlyList<string> ?? candidates.ToList();
        foreach (var c in list)
        {
            if (input.Equals(c, StringComparison.OrdinalIgnoreCase))
            {
                return c;
            }
        }
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in list)
        {
            var d = Distance(input, c);
            if (d <= Math.Max(1, c.Length / 3) && d < bestDistance)
            {
                best = c;
                bestDistance = d;
            }
        }
        if (best is not null || input.Length < 3)
        {
            return best;
        }
        string? prefixed = null;
        foreach (var c in list)
        {
            if (c.StartsWith(input, StringComparison.OrdinalIgnoreCase))
            {
                if (prefixed is not null)
                {
                    return null;
                }
                prefixed = c;
            }
        }
        return prefixed;
    }

    /// <summary><c>'text'</c>, cut to a readable length.</summary>
    public static string Quote(ReadOnlySpan<char> s) =>
        s.Length <= MaxQuoted ? $"'{s}'" : $"'{s[..MaxQuoted]}...'";

    /// <summary>"a", "a and b", "a, b and c".</summary>
    public static string JoinAnd(IReadOnlyList<string> items) => items.Count switch
    {
        0 => "",
        1 => items[0],
        _ => $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}",
    };

    /// <summary>Case-insensitive Levenshtein distance.</summary>
    private static int Distance(ReadOnlySpan<char> a, string b)
    {
        Span<int> previous = stackalloc int[b.Length + 1];
        Span<int> current = stackalloc int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            var swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.Length];
    }
}
