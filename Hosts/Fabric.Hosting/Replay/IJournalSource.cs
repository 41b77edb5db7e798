namespace Fabric.Hosting.Replay;

/// <summary>
/// A journal that replay reads: its rows in global order, straight from the database, never
/// written to. One implementation per journal engine: <see cref="SqliteJournalSource"/> for the
/// embedded SQLite file; a PostgreSQL source reads the same columns from its server and slots
/// in behind <see cref="JournalSources.Open"/>. Decoding, gap checks and the fold are shared.
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
    /// A journal by name: today a SQLite file. (The PostgreSQL journal, once it exists, is
    /// recognised here by its connection string and opened with its own source.)
    /// </summary>
    public static IJournalSource Open(string journal) => SqliteJournalSource.Open(journal);
}

/// <summary>The journal cannot be read at all: no such file, not a database, not a journal.</summary>
public sealed class JournalUnreadableException(string message, Exception? inner = null) : Exception(message, inner);
