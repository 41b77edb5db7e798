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
