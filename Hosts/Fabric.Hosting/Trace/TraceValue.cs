namespace Fabric.Hosting.Trace;

/// <summary>
/// A parsed value: the text as written and what it means. Reading it as the wrong kind
/// (<see cref="Number"/> of a name, ...) is a bug in the caller and throws <see cref="InvalidOperationException"/>.
/// </summary>
public sealed class TraceValue
{
    private readonly ulong _number;
    private readonly IReadOnlyList<ulong>? _numbers;

    private TraceValue(string raw, TraceValueKind kind, ulong number, IReadOnlyList<ulong>? numbers)
    {
        Raw = raw;
        Kind = kind;
        _number = number;
        _numbers = numbers;
    }

    /// <summary>The value exactly as written after '=' (<c>2G</c>, <c>4096</c>, <c>0x1003,0x2003</c>).</summary>
    public string Raw { get; }

    public TraceValueKind Kind { get; }

    /// <summary>The number of a <see cref="TraceValueKind.Number"/> or <see cref="TraceValueKind.Size"/> value (suffix applied).</summary>
    public ulong Number => Kind is TraceValueKind.Number or TraceValueKind.Size
        ? _number
        : throw WrongKind(nameof(Number));

    /// <summary>The numbers of a <see cref="TraceValueKind.NumberList"/> value, in the order written.</summary>
    public IReadOnlyList<ulong> Numbers => _numbers ?? throw WrongKind(nameof(Numbers));

    /// <summary>The text of a <see cref="TraceValueKind.Name"/> or <see cref="TraceValueKind.Word"/> value.</summary>
    public string Word => Kind is TraceValueKind.Name or TraceValueKind.Word
        ? Raw
        : throw WrongKind(nameof(Word));

    internal static TraceValue OfNumber(string raw, TraceValueKind kind, ulong value) => new(raw, kind, value, null);

    internal static TraceValue OfNumbers(string raw, ulong[] values) => new(raw, TraceValueKind.NumberList, 0, values);

    internal static TraceValue OfWord(string raw, TraceValueKind kind) => new(raw, kind, 0, null);

    public override string ToString() => Raw;

    private InvalidOperationException WrongKind(string what) =>
        new($"The value '{Raw}' is a {Kind}, it has no {what}.");
}
