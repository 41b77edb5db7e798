namespace Fabric.Hosting.Replay;

/// <summary>
/// A journal that replay reads: its rows in global order, straight from the database, never
/// written to. One implementation per journal engine: <see cref="SqliteJournalSource"/> for the
/// embedded SQLite file, <see cref="PostgresJournalSource"/> for a schema on a PostgreSQL server;
/// both read the same columns. Decoding, gap checks and the fold are shared.
/// </summary>
public interface IJournalSource : IDisposable
{
    /// <summary>How messages name the journal: the file, or the server and database (never a password).</summary>
    string Name { get; }

    /// <summary>
    /// Every row whose ordering is at most <paramref name="untilOrdering"/>, deleted ones
    /// included, in increasing ordering, read lazily. Throws <see cref="JournalUnreadableException"/>
    /// when the journal cannot be read.
    /// </summary>
    IEnumerable<JournalRow> ReadRows(long untilOrdering = long.MaxValue, CancellationToken cancellation = default);
}

/// <summary>Opens the journal a user names on the command line.</summary>
public static class JournalSources
{
    /// <summary>
    /// A journal as <c>--journal</c> names it: <c>postgres</c> or a <c>postgres://</c> URL is a
    /// PostgreSQL schema; anything else is a SQLite file.
    /// </summary>
    public static IJournalSource Open(string journal) =>
        PostgresJournalSource.Names(journal) ? PostgresJournalSource.Open(journal) : SqliteJournalSource.Open(journal);
}

/// <summary>The journal cannot be read at all: no such file, not a database, not a journal.</summary>
public sealed class JournalUnreadableException(string message, Exception? inner = null) : Exception(message, inner);
