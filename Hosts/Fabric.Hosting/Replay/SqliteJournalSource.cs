using Microsoft.Data.Sqlite;

namespace Fabric.Hosting.Replay;

/// <summary>
/// Reads the journal table of a SQLite file (Akka.Persistence.Sql, provider SQLite.MS) in
/// global order. The file is opened read-only (Mode=ReadOnly) and without pooling, so replay
/// never writes to it and leaves no connection open behind it; a journal in WAL mode is read
/// with its log, as any reader sees it.
/// </summary>
public sealed class SqliteJournalSource : IJournalSource
{
    /// <summary>The columns replay needs, with the names Akka.Persistence.Sql gives them.</summary>
    private static readonly string[] Columns =
        ["ordering", "persistence_id", "sequence_number", "deleted", "created", "identifier", "message"];

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
            if (present.Count == 0)
                throw new JournalUnreadableException($"{Name}: the database has no journal table; it is not a Fabric journal (record one with `fabric trace FILE --journal {Name}`)");
            var missing = Columns.Where(c => !present.Contains(c)).ToArray();
            if (missing.Length > 0)
                throw new JournalUnreadableException($"{Name}: the journal table has no column {string.Join(", ", missing)}; it was not written by Akka.Persistence.Sql");
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

    public IEnumerable<JournalRow> ReadRows(long untilOrdering = long.MaxValue, CancellationToken cancellation = default)
    {
        SqliteConnection connection;
        SqliteCommand command;
        SqliteDataReader rows;
        try
        {
            connection = Connect();
            command = connection.CreateCommand();
            command.CommandText = $"SELECT {string.Join(", ", Columns)} FROM journal WHERE ordering <= $until ORDER BY ordering";
            command.Parameters.AddWithValue("$until", untilOrdering);
            rows = command.ExecuteReader();
        }
        catch (SqliteException e)
        {
            throw new JournalUnreadableException($"{Name}: cannot read the journal table: {e.Message}", e);
        }
        using (connection)
        using (command)
        using (rows)
        {
            while (true)
            {
                cancellation.ThrowIfCancellationRequested();
                JournalRow row;
                try
                {
                    if (!rows.Read()) yield break;
                    row = new JournalRow(
                        Ordering: rows.GetInt64(0),
                        PersistenceId: rows.IsDBNull(1) ? "" : rows.GetString(1),
                        SequenceNumber: rows.GetInt64(2),
                        Deleted: !rows.IsDBNull(3) && rows.GetInt64(3) != 0,
                        Timestamp: rows.IsDBNull(4) ? 0 : rows.GetInt64(4),
                        SerializerId: rows.IsDBNull(5) ? null : rows.GetInt64(5),
                        Message: rows.IsDBNull(6) ? [] : rows.GetFieldValue<byte[]>(6));
                }
                catch (Exception e) when (e is SqliteException or InvalidCastException or FormatException or OverflowException)
                {
                    throw new JournalUnreadableException($"{Name}: cannot read the journal table: {e.Message}", e);
                }
                yield return row;
            }
        }
    }

    public void Dispose()
    {
    }
}
