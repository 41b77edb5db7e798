using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Fabric.Hosting.Replay;

/// <summary>
/// Reads the journal table of a SQLite file (Akka.Persistence.Sql, provider SQLite.MS) in
/// global order. The file is opened read-only (Mode=ReadOnly) and without pooling, so replay
/// never writes to it and leaves no connection open behind it; a journal in WAL mode is read
/// with its log, as any reader sees it.
/// </summary>
public sealed class SqliteJournalSource : IJournalSource
{
    private readonly string _connectionString;

    private SqliteJournalSource(string file, string connectionString)
    {
        Name = file;
        _connectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>Opens <paramref name="file"/> read-only and checks that it holds a journal table.</summary>
    public static SqliteJournalSource Open(string file)
    {
        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
            throw new JournalUnreadableException($"{path}: no such journal file; record one with `fabric trace FILE --journal {file}`");
        // With no write-ahead log beside it, no writer has the file open and every commit is in
        // it: read it as immutable, so SQLite creates no -wal or -shm file next to it either.
        // With a log (a writer running, or one that was killed), read it with its log.
        var immutable = !File.Exists(path + "-wal");
        var dataSource = immutable ? new Uri(path).AbsoluteUri + "?immutable=1" : path;
        var cs = new SqliteConnectionStringBuilder { DataSource = dataSource, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        var source = new SqliteJournalSource(path, cs);
        source.CheckSchema();
        return source;
    }

    private void CheckSchema()
    {
        try
        {
            using var connection = Connect();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM pragma_table_info('journal')";
            var present = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            using (var rows = command.ExecuteReader())
                while (rows.Read()) present.Add(rows.GetString(0));
            JournalColumns.Check(Name, present, $"the database has no journal table; it is not a Fabric journal (record one with `fabric trace FILE --journal {Name}`)");
        }
        catch (SqliteException e)
        {
            throw new JournalUnreadableException($"{Name}: cannot read the file as a SQLite journal: {e.Message}", e);
        }
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <remarks>
    /// Rows are stepped through SQLite's own API on the connection's handle: the ADO.NET reader
    /// costs about twice as much per row, and replay reads millions of them.
    /// </remarks>
    public IEnumerable<JournalRow> ReadRows(long untilOrdering = long.MaxValue, CancellationToken cancellation = default)
    {
        SqliteConnection connection;
        try
        {
            connection = Connect();
        }
        catch (SqliteException e)
        {
            throw new JournalUnreadableException($"{Name}: cannot read the journal table: {e.Message}", e);
        }
        using (connection)
        {
            var db = connection.Handle!;
            var sql = $"SELECT {string.Join(", ", JournalColumns.Names)} FROM journal WHERE ordering <= ?1 ORDER BY ordering";
            Check(db, raw.sqlite3_prepare_v2(db, sql, out var statement));
            using (statement)
            {
                Check(db, raw.sqlite3_bind_int64(statement, 1, untilOrdering));
                while (true)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var rc = raw.sqlite3_step(statement);
                    if (rc == raw.SQLITE_DONE) yield break;
                    if (rc != raw.SQLITE_ROW) Check(db, rc);
                    yield return new JournalRow(
                        Ordering: raw.sqlite3_column_int64(statement, 0),
                        PersistenceId: raw.sqlite3_column_text(statement, 1).utf8_to_string() ?? "",
                        SequenceNumber: raw.sqlite3_column_int64(statement, 2),
                        Deleted: raw.sqlite3_column_int64(statement, 3) != 0,
                        Timestamp: raw.sqlite3_column_int64(statement, 4),
                        SerializerId: raw.sqlite3_column_type(statement, 5) == raw.SQLITE_NULL ? null : raw.sqlite3_column_int64(statement, 5),
                        Message: raw.sqlite3_column_blob(statement, 6).ToArray());
                }
            }
        }
    }

    private void Check(sqlite3 db, int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
            throw new JournalUnreadableException($"{Name}: cannot read the journal table: SQLite error {rc}: {raw.sqlite3_errmsg(db).utf8_to_string()}");
    }

    public void Dispose()
    {
    }
}
