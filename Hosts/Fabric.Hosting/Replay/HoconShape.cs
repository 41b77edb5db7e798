namespace Fabric.Hosting.Replay;

/// <summary>
/// The bracket and quote structure of a HOCON text, checked before Akka's parser sees it: that
/// parser accepts an unclosed brace or string silently and does not return from an unclosed
/// array (<c>x = [</c>), so a typo in a user's file would hang the command instead of naming the line.
/// </summary>
public static class HoconShape
{
    /// <summary>
    /// A user's HOCON file parsed, or the reason it cannot be, as "FILE:LINE: not valid HOCON: ..."
    /// (the line when the shape check finds it; Akka's parser names none).
    /// </summary>
    public static Akka.Configuration.Config Parse(string file, string text, Func<string, Exception> refuse)
    {
        if (Check(text) is { } shape) throw refuse($"{file}:{shape.Line}: not valid HOCON: {shape.Problem}");
        try
        {
            return Akka.Configuration.ConfigurationFactory.ParseString(text);
        }
        catch (Exception e) when (e is Akka.Configuration.ConfigurationException or FormatException or InvalidOperationException or ArgumentException)
        {
            throw refuse($"{file}: not valid HOCON: {e.Message}");
        }
    }

    /// <summary>The first structural problem, or null when brackets, braces and quotes all close.</summary>
    public static (int Line, string Problem)? Check(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
                    break;
                case '#':
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                    break;
                case '"' when text.AsSpan(i).StartsWith("\"\"\""):
                    var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
                    if (end < 0) return (line, "a \"\"\" string is never closed");
                    line += text.AsSpan(i, end - i).Count('\n');
                    i = end + 2;
                    break;
                case '"':
                    var start = line;
                    for (i++; i < text.Length && text[i] != '"'; i++)
                    {
                        if (text[i] == '\\') i++;
                        else if (text[i] == '\n') return (start, "a quoted string is not closed on its line");
                    }
                    if (i >= text.Length) return (start, "a quoted string is never closed");
                    break;
                case '{' or '[':
                    open.Push((c, line));
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (!open.TryPop(out var o)) return (line, $"'{c}' closes nothing");
                    if (o.Bracket != expected) return (line, $"'{c}' closes the '{o.Bracket}' of line {o.Line}");
                    break;
            }
        }
        return open.TryPop(out var left) ? (left.Line, $"the '{left.Bracket}' here is never closed") : null;
    }
}
