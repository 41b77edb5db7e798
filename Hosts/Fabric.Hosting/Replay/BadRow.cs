namespace Fabric.Hosting.Replay;

/// <summary>Why a journal row cannot be replayed.</summary>
public enum BadRowKind
{
    /// <summary>The message bytes do not deserialise (a torn or overwritten blob).</summary>
    Undeserialisable,

    /// <summary>The row names a serializer id that is not Fabric's (4711).</summary>
    UnknownSerializer,

    /// <summary>The bytes name a type outside the serializer's allow-list.</summary>
    NotAllowed,

    /// <summary>A protocol type, but not an event this stream journals.</summary>
    NotAnEvent,

    /// <summary>The stream's sequence numbers jump: events are missing before this row.</summary>
    Gap,

    /// <summary>The event refers to something its journal never created (a VM, a table, a PE, a container).</summary>
    Inconsistent,
}

/// <summary>One row replay cannot use, named by its place in the journal.</summary>
/// <param name="Missing">For a <see cref="BadRowKind.Gap"/>: how many events are missing before this row.</param>
public sealed record BadRow(BadRowKind Kind, long Ordering, string PersistenceId, long SequenceNumber, string Detail, long Missing = 0)
{
    public static BadRow At(JournalRow row, BadRowKind kind, string detail, long missing = 0) =>
        new(kind, row.Ordering, row.PersistenceId, row.SequenceNumber, detail, missing);

    public static BadRow At(JournalPosition at, BadRowKind kind, string detail) =>
        new(kind, at.Ordering, at.PersistenceId, at.SequenceNumber, detail);

    /// <summary><c>row 17 (pe/h0/0.1 #2): what is wrong</c>.</summary>
    public override string ToString() => $"{JournalPosition.Describe(Ordering, PersistenceId, SequenceNumber)}: {Detail}";

    /// <summary>The lower-case name the summary counts it under.</summary>
    public static string KindName(BadRowKind kind) => kind switch
    {
        BadRowKind.Undeserialisable => "undeserialisable",
        BadRowKind.UnknownSerializer => "unknown serializer",
        BadRowKind.NotAllowed => "type not allowed",
        BadRowKind.NotAnEvent => "not an event of its stream",
        BadRowKind.Gap => "gap",
        BadRowKind.Inconsistent => "inconsistent",
        _ => kind.ToString(),
    };
}

/// <summary>
/// A bad row stopped replay (no <c>--skip-bad</c>). The message names the journal, the row, the
/// persistence id and sequence number, what is wrong, and the fix.
/// </summary>
public sealed class BadRowException(string journal, BadRow row) : Exception(
    $"{journal}: {row}. Replay stops at the first bad row; run again with --skip-bad to skip such rows and replay the rest (they are counted in the summary)")
{
    public BadRow Row { get; } = row;
}

/// <summary>The bad rows <c>--skip-bad</c> skipped: counted by kind, the first ones kept to be listed.</summary>
public sealed class SkippedRows
{
    /// <summary>How many skipped rows the summary lists one by one.</summary>
    public const int Listed = 20;

    private readonly Dictionary<BadRowKind, long> _counts = new();
    private readonly List<BadRow> _first = new();

    public long Total { get; private set; }

    /// <summary>Events missing in the gaps that were skipped over.</summary>
    public long MissingEvents { get; private set; }

    public IReadOnlyDictionary<BadRowKind, long> ByKind => _counts;

    /// <summary>The first <see cref="Listed"/> bad rows, in journal order.</summary>
    public IReadOnlyList<BadRow> First => _first;

    public long Count(BadRowKind kind) => _counts.GetValueOrDefault(kind);

    public void Add(BadRow row)
    {
        Total++;
        MissingEvents += row.Missing;
        _counts[row.Kind] = _counts.GetValueOrDefault(row.Kind) + 1;
        if (_first.Count < Listed) _first.Add(row);
    }
}
