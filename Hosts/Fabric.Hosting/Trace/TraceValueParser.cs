using static Fabric.Hosting.Trace.TraceSuggest;

namespace Fabric.Hosting.Trace;

/// <summary>Parses one value by its key's kind; on failure says what is wrong and how to write it.</summary>
internal static class TraceValueParser
{
    private const string Largest = "the largest number is 0xffffffffffffffff";

    /// <summary>The parsed value, or null with <paramref name="error"/> set (a message without location).</summary>
    public static TraceValue? Parse(TraceVerb verb, TraceKey key, string raw, out string? error)
    {
        error = null;
        switch (key.Kind)
        {
            case TraceValueKind.Number:
                return ParseNumber(verb, key, raw, out error);
            case TraceValueKind.Size:
                return ParseSize(verb, key, raw, out error);
            case TraceValueKind.NumberList:
                return ParseList(verb, key, raw, out error);
            case TraceValueKind.Name:
                if (IsName(raw))
                {
                    return TraceValue.OfWord(raw, TraceValueKind.Name);
                }
                error = $"{At(verb, key, raw)} is not a name; a name is a letter followed by letters, digits, '_', '-' or '.', e.g. {key.Name}={key.Example}";
                return null;
            case TraceValueKind.Word:
                if (key.Words.Contains(raw, StringComparer.Ordinal))
                {
                    return TraceValue.OfWord(raw, TraceValueKind.Word);
                }
                var meant = Closest(raw, key.Words);
                var fix = meant is null ? $"write e.g. {key.Name}={key.Example}" : $"did you mean {key.Name}={meant}?";
                error = $"{At(verb, key, raw)} is not one of {string.Join(", ", key.Words)} ({key.Meaning}); {fix}";
                return null;
            default:
                throw new InvalidOperationException($"Unknown value kind {key.Kind}.");
        }
    }

    private static TraceValue? ParseNumber(TraceVerb verb, TraceKey key, string raw, out string? error)
    {
        error = null;
        var status = TraceNumbers.Parse(raw, out var value);
        if (status == NumberStatus.Ok && (key.AllowedNumbers.Count == 0 || key.AllowedNumbers.Contains(value)))
        {
            return TraceValue.OfNumber(raw, TraceValueKind.Number, value);
        }
        var where = At(verb, key, raw);
        switch (status)
        {
            case NumberStatus.Ok:
                var allowed = key.AllowedNumbers.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
                error = $"{where} must be {JoinOr(allowed)} ({key.Meaning}), e.g. {key.Name}={key.Example}";
                return null;
            case NumberStatus.TooLarge:
                error = $"{where} does not fit in 64 bits; {Largest}";
                return null;
            default:
                var note = TraceNumbers.ParseSize(raw, out _, out _) == NumberStatus.Ok
                    ? " (K, M and G suffixes are for ram= only)"
                    : "";
                error = $"{where} is not a number; write decimal or 0x hex{note}, e.g. {key.Name}={key.Example}";
                return null;
        }
    }

    private static TraceValue? ParseSize(TraceVerb verb, TraceKey key, string raw, out string? error)
    {
        error = null;
        const string Suffixes = "K, M or G (upper case; binary: 1K = 1024)";
        var status = TraceNumbers.ParseSize(raw, out var value, out var suffixStart);
        if (status == NumberStatus.Ok)
        {
            return TraceValue.OfNumber(raw, TraceValueKind.Size, value);
        }
        var where = At(verb, key, raw);
        switch (status)
        {
            case NumberStatus.TooLarge:
                error = $"{where} does not fit in 64 bits; {Largest}, e.g. {key.Name}={key.Example}";
                return null;
            case NumberStatus.BadSuffix:
                error = $"{where} has an unknown suffix {Quote(raw.AsSpan(suffixStart))}; use {Suffixes}, e.g. {key.Name}={key.Example}";
                return null;
            default:
                error = $"{where} is not a size; write a decimal or 0x hex number, optionally followed by {Suffixes}, e.g. {key.Name}={key.Example}";
                return null;
        }
    }

    private static TraceValue? ParseList(TraceVerb verb, TraceKey key, string raw, out string? error)
    {
        error = null;
        var values = new List<ulong>();
        var rest = raw.AsSpan();
        for (var item = 1; ; item++)
        {
            var comma = rest.IndexOf(',');
            var text = comma < 0 ? rest : rest[..comma];
            if (text.IsEmpty)
            {
                error = $"{ItemAt(verb, key, item)} is empty; {ListFix(key)}";
                return null;
            }
            switch (TraceNumbers.Parse(text, out var value))
            {
                case NumberStatus.Ok:
                    values.Add(value);
                    break;
                case NumberStatus.TooLarge:
                    error = $"{ItemAt(verb, key, item)} ({Quote(text)}) does not fit in 64 bits; {Largest}";
                    return null;
                default:
                    error = $"{ItemAt(verb, key, item)} ({Quote(text)}) is not a number; {ListFix(key)}";
                    return null;
            }
            if (comma < 0)
            {
                return TraceValue.OfNumbers(raw, [.. values]);
            }
            rest = rest[(comma + 1)..];
        }
    }

    /// <summary>"H_PUT_TCE ioba='0x10g0'": the start of a message about one value.</summary>
    private static string At(TraceVerb verb, TraceKey key, string raw) => $"{verb.Name} {key.Name}={Quote(raw)}";

    private static bool IsName(string s)
    {
        if (s.Length == 0 || !char.IsAsciiLetter(s[0]))
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return false;
            }
        }
        return true;
    }

    private static string ItemAt(TraceVerb verb, TraceKey key, int item) => $"{verb.Name} {key.Name}= item {item}";

    private static string ListFix(TraceKey key) =>
        $"write decimal or 0x hex numbers separated by single commas with no spaces, e.g. {key.Name}={key.Example}";

    private static string JoinOr(IReadOnlyList<string> items) =>
        items.Count <= 1 ? string.Join("", items) : $"{string.Join(", ", items.Take(items.Count - 1))} or {items[^1]}";
}
