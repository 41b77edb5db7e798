using static Fabric.Hosting.Trace.TraceSuggest;

namespace Fabric.Hosting.Trace;

/// <summary>
/// Parses one line against <see cref="TraceSchema"/>. Linear in the line's length: tokens are
/// found in one pass, each value is parsed once, and each key is checked against the verb's
/// few keys. The first problem from the left is reported.
/// </summary>
internal static class TraceLineParser
{
    /// <summary>
    /// False with <paramref name="error"/> set when the line is malformed; otherwise true, with
    /// <paramref name="statement"/> null for a blank or comment-only line.
    /// </summary>
    public static bool TryParse(string file, int line, string text, out TraceStatement? statement, out TraceError? error)
    {
        statement = null;
        error = null;
        var message = Parse(file, line, text, out statement);
        if (message is null)
        {
            return true;
        }
        error = new TraceError(file, line, message);
        return false;
    }

    private static string? Parse(string file, int line, string text, out TraceStatement? statement)
    {
        statement = null;
        var span = text.AsSpan();
        var hash = span.IndexOf('#');
        if (hash >= 0)
        {
            span = span[..hash];
        }
        var pos = 0;
        if (!NextToken(span, ref pos, out var verbToken))
        {
            return null;
        }
        var verbText = span[verbToken];
        var verb = TraceSchema.Find(verbText);
        if (verb is null)
        {
            return UnknownVerb(verbText);
        }
        var arguments = new List<TraceArgument>(verb.Keys.Count);
        while (NextToken(span, ref pos, out var token))
        {
            var message = ParseArgument(verb, span[token], arguments);
            if (message is not null)
            {
                return message;
            }
        }
        var missing = Missing(verb, arguments);
        if (missing is not null)
        {
            return missing;
        }
        statement = new TraceStatement(file, line, verb, arguments);
        return null;
    }

    /// <summary>Adds the pair to <paramref name="arguments"/>, or returns what is wrong with it.</summary>
    private static string? ParseArgument(TraceVerb verb, ReadOnlySpan<char> token, List<TraceArgument> arguments)
    {
        var eq = token.IndexOf('=');
        if (eq < 0)
        {
            var bare = verb.FindKey(token);
            return bare is not null
                ? $"{verb.Name}: {Quote(token)} has no '='; write {bare.Name}=VALUE with no spaces around '=' ({bare.Hint})"
                : $"{verb.Name}: {Quote(token)} is not key=value; write key=value with no spaces around '='. Usage: {verb.Usage}";
        }
        if (eq == 0)
        {
            return $"{verb.Name}: {Quote(token)} has no key before '='; write key=value with no spaces around '='. Usage: {verb.Usage}";
        }
        var keyText = token[..eq];
        var key = verb.FindKey(keyText);
        if (key is null)
        {
            var meant = Closest(keyText, verb.Keys.Select(k => k.Name));
            var fix = meant is null ? "remove it." : $"did you mean {meant}=?";
            return $"{verb.Name} has no key {Quote(keyText)}; {fix} Usage: {verb.Usage}";
        }
        if (Given(arguments, key))
        {
            return $"{verb.Name} gives {key.Name}= twice; give each key once (remove one of them)";
        }
        if (eq == token.Length - 1)
        {
            return $"{verb.Name} {key.Name}= has no value; write the value right after '=' with no spaces ({key.Hint})";
        }
        var value = TraceValueParser.Parse(verb, key, token[(eq + 1)..].ToString(), out var error);
        if (value is null)
        {
            return error;
        }
        arguments.Add(new TraceArgument(key, value));
        return null;
    }

    /// <summary>"H_PUT_TCE needs tce= (the TCE value, e.g. tce=0x1003)", or null when every required key is given.</summary>
    private static string? Missing(TraceVerb verb, List<TraceArgument> arguments)
    {
        List<string>? missing = null;
        foreach (var key in verb.Keys)
        {
            if (key.Required && !Given(arguments, key))
            {
                (missing ??= []).Add($"{key.Name}= ({key.Hint})");
            }
        }
        return missing is null ? null : $"{verb.Name} needs {JoinAnd(missing)}";
    }

    private static bool Given(List<TraceArgument> arguments, TraceKey key)
    {
        foreach (var a in arguments)
        {
            if (ReferenceEquals(a.Key, key))
            {
                return true;
            }
        }
        return false;
    }

    private static string UnknownVerb(ReadOnlySpan<char> verbText)
    {
        var known = $"Known verbs: {TraceSchema.VerbList}";
        if (verbText.Contains('='))
        {
            return $"{Quote(verbText)} is not a verb; start the line with a verb, e.g. "
                + $"{TraceSchema.Verbs.First(v => v.Kind == TraceVerbKind.Call).Usage}. {known}";
        }
        var meant = Closest(verbText, TraceSchema.Verbs.Select(v => v.Name));
        if (meant is null)
        {
            return $"unknown verb {Quote(verbText)}; start the line with one of the known verbs. {known}";
        }
        var caseOnly = verbText.Equals(meant, StringComparison.OrdinalIgnoreCase) ? " Verbs are case-sensitive." : "";
        return $"unknown verb {Quote(verbText)}; did you mean {meant}?{caseOnly} {known}";
    }

    private static bool NextToken(ReadOnlySpan<char> s, ref int pos, out Range token)
    {
        while (pos < s.Length && IsBlank(s[pos]))
        {
            pos++;
        }
        var start = pos;
        while (pos < s.Length && !IsBlank(s[pos]))
        {
            pos++;
        }
        token = start..pos;
        return pos > start;
    }

    /// <summary>Tokens are separated by spaces; tabs are accepted too.</summary>
    private static bool IsBlank(char c) => c is ' ' or '\t';
}
