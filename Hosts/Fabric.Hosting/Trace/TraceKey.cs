namespace Fabric.Hosting.Trace;

/// <summary>One key a verb takes: its kind, whether it must be given, and what to tell a user who gets it wrong.</summary>
/// <param name="Name">The key as written before '='.</param>
/// <param name="Kind">How its value is parsed.</param>
/// <param name="Required">Whether a statement without it is malformed.</param>
/// <param name="Meaning">A short phrase for error messages ("the TCE value").</param>
/// <param name="Example">A valid value for error messages and usage lines ("0x1003").</param>
public sealed record TraceKey(string Name, TraceValueKind Kind, bool Required, string Meaning, string Example)
{
    /// <summary>For <see cref="TraceValueKind.Word"/>: the accepted words, case-sensitive.</summary>
    public IReadOnlyList<string> Words { get; init; } = [];

    /// <summary>For <see cref="TraceValueKind.Number"/>: the only accepted values; empty means any.</summary>
    public IReadOnlyList<ulong> AllowedNumbers { get; init; } = [];

    /// <summary>The same key, optional.</summary>
    public TraceKey Optional() => this with { Required = false };

    /// <summary>"the TCE value, e.g. tce=0x1003".</summary>
    public string Hint => $"{Meaning}, e.g. {Name}={Example}";

    /// <summary>The key in a usage line: <c>tce=0x1003</c>, <c>dir=read|write</c>, <c>[vm=g]</c>.</summary>
    public string Usage
    {
        get
        {
            var value = Words.Count > 0 ? string.Join('|', Words) : Example;
            var text = $"{Name}={value}";
            return Required ? text : $"[{text}]";
        }
    }
}
