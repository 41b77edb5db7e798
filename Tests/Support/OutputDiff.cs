namespace Fabric.Tests.Support;

/// <summary>Compares program output with an expected text line by line, describing the first difference.</summary>
public static class OutputDiff
{
    /// <summary>The lines of a text, whatever its line ends, without a trailing empty line.</summary>
    public static string[] Lines(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        return lines.Length > 0 && lines[^1].Length == 0 ? lines[..^1] : lines;
    }

    /// <summary>Null when the texts have the same lines, else a message naming the first line that differs.</summary>
    public static string? Describe(string expectedName, string expected, string actual)
    {
        var want = Lines(expected);
        var got = Lines(actual);
        for (var i = 0; i < Math.Max(want.Length, got.Length); i++)
        {
            var w = i < want.Length ? want[i] : null;
            var g = i < got.Length ? got[i] : null;
            if (w == g) continue;
            return $"""
                {expectedName}: output differs at line {i + 1}
                  expected: {w ?? "(end of output)"}
                  actual:   {g ?? "(end of output)"}
                whole actual output ({got.Length} lines):
                {string.Join('\n', got)}
                """;
        }
        return null;
    }

    /// <summary>Fails with <see cref="Describe"/>'s message when the lines differ.</summary>
    public static void AssertSame(string expectedName, string expected, string actual)
    {
        var diff = Describe(expectedName, expected, actual);
        if (diff is not null) Assert.Fail(diff);
    }
}
