namespace Fabric.Hosting.Trace;

/// <summary>
/// Reads trace files (shared/spec/trace-format.md): one statement a line, <c>#</c> starts a
/// comment, blank lines are skipped, no line-length limit. Line ends are \n, \r\n or \r.
///
/// Two ways to read, both stopping at the first malformed line with a
/// <see cref="TraceFormatException"/> whose message is <c>FILE:LINE: message</c>:
/// <list type="bullet">
/// <item><see cref="Parse"/> and <see cref="ParseText"/> are eager: they check the whole trace
/// and return every statement, or throw before any statement can run.</item>
/// <item><see cref="Read(string)"/>, <see cref="ReadText"/> and <see cref="Read(string, TextReader)"/>
/// are lazy: they yield each statement as its line is read and throw when the enumeration
/// reaches the malformed line, so the statements before it have already run and printed.
/// That is how <c>fabric trace</c> "stops the run" at a malformed line; it also keeps memory
/// flat for long traces.</item>
/// </list>
/// File errors (missing file, no permission) surface as the usual <see cref="IOException"/>s.
/// </summary>
public static class TraceParser
{
    /// <summary>Every statement of the file at <paramref name="path"/>; errors name the file as <paramref name="path"/>.</summary>
    public static IReadOnlyList<TraceStatement> Parse(string path) => Read(path).ToList();

    /// <summary>Every statement of <paramref name="text"/>; errors name the file as <paramref name="name"/>.</summary>
    public static IReadOnlyList<TraceStatement> ParseText(string name, string text) => ReadText(name, text).ToList();

    /// <summary>The statements of the file at <paramref name="path"/>, read as enumerated.</summary>
    public static IEnumerable<TraceStatement> Read(string path)
    {
        using var reader = File.OpenText(path);
        foreach (var statement in Read(path, reader))
        {
            yield return statement;
        }
    }

    /// <summary>The statements of <paramref name="text"/>, parsed as enumerated.</summary>
    public static IEnumerable<TraceStatement> ReadText(string name, string text) => Read(name, new StringReader(text));

    /// <summary>The statements read from <paramref name="reader"/>, as enumerated; errors name the file as <paramref name="name"/>.</summary>
    public static IEnumerable<TraceStatement> Read(string name, TextReader reader)
    {
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            var statement = ParseLine(name, number, line);
            if (statement is not null)
            {
                yield return statement;
            }
        }
    }

    /// <summary>One line: its statement, null when it is blank or a comment, or a <see cref="TraceFormatException"/>.</summary>
    public static TraceStatement? ParseLine(string file, int line, string text) =>
        TryParseLine(file, line, text, out var statement, out var error)
            ? statement
            : throw new TraceFormatException(error!);

    /// <summary>
    /// One line without exceptions: false with <paramref name="error"/> when it is malformed;
    /// otherwise true with <paramref name="statement"/> (null for a blank or comment line).
    /// </summary>
    public static bool TryParseLine(string file, int line, string text, out TraceStatement? statement, out TraceError? error) =>
        TraceLineParser.TryParse(file, line, text, out statement, out error);
}
