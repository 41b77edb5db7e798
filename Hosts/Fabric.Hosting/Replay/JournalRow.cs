namespace Fabric.Hosting.Replay;

/// <summary>
/// One row of an Akka.Persistence.Sql journal table, as stored: nothing is decoded yet. Column
/// names are the plugin's defaults (ordering, persistence_id, sequence_number, deleted, created,
/// identifier, message), the same on SQLite and PostgreSQL. Tags and manifest are not read:
/// Fabric's serializer writes no manifest, and the event itself says what it is.
/// </summary>
/// <param name="Ordering">The global position of the row, increasing across all persistence ids.</param>
/// <param name="Timestamp">The <c>created</c> column: UTC ticks when the event was written.</param>
/// <param name="SerializerId">The <c>identifier</c> column: which serializer wrote <paramref name="Message"/>.</param>
public sealed record JournalRow(
    long Ordering,
    string PersistenceId,
    long SequenceNumber,
    bool Deleted,
    long Timestamp,
    long? SerializerId,
    byte[] Message)
{
    /// <summary>The write time in UTC; <see cref="DateTime.MinValue"/> when the column holds no valid time.</summary>
    public DateTime Time => Timestamp >= DateTime.MinValue.Ticks && Timestamp <= DateTime.MaxValue.Ticks
        ? new DateTime(Timestamp, DateTimeKind.Utc)
        : DateTime.MinValue;
}

/// <summary>Where an event sits in the journal: its global ordering, its stream and its place in it; prints as <c>row 17 (pe/h0/0.1 #2)</c>.</summary>
public readonly record struct JournalPosition(long Ordering, string PersistenceId, long SequenceNumber, DateTime Time)
{
    public override string ToString() => Describe(Ordering, PersistenceId, SequenceNumber);

    public static string Describe(long ordering, string persistenceId, long sequenceNumber) =>
        $"row {ordering} ({persistenceId} #{sequenceNumber})";
}

/// <summary>The journal table's columns replay reads, and the check that a table has them.</summary>
public static class JournalColumns
{
    /// <summary>In the order every source selects them.</summary>
    public static readonly string[] Names =
        ["ordering", "persistence_id", "sequence_number", "deleted", "created", "identifier", "message"];

    /// <summary>Throws when the table is missing (<paramref name="present"/> empty) or lacks a column.</summary>
    public static void Check(string journal, IReadOnlySet<string> present, string noTable)
    {
        if (present.Count == 0) throw new JournalUnreadableException($"{journal}: {noTable}");
        var missing = Names.Where(c => !present.Contains(c)).ToArray();
        if (missing.Length > 0)
            throw new JournalUnreadableException($"{journal}: the journal table has no column {string.Join(", ", missing)}; it was not written by Akka.Persistence.Sql");
    }
}
