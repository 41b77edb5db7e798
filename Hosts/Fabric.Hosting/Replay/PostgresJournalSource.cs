using System.Data;
using Fabric.Persistence;
using Npgsql;

namespace Fabric.Hosting.Replay;

/// <summary>
/// Reads the journal table of a PostgreSQL schema (Akka.Persistence.Sql, provider PostgreSQL.15)
/// in global order, inside a READ ONLY transaction, so replay cannot write to the journal even by
/// mistake: the server refuses. Rows stream from the server as they are read.
/// </summary>
public sealed class PostgresJournalSource : IJournalSource
{
    private const string Table = "journal";

    private readonly PostgresJournal _journal;

    private PostgresJournalSource(PostgresJournal journal)
    {
        _journal = journal;
        Name = journal.ToString();
    }

    public string Name { get; }

    /// <summary>
    /// <c>postgres</c> (the server of FABRIC_POSTGRES, else config/journal-postgres.hocon's) or a
    /// <c>postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME</c> URL, as <c>--journal</c> takes them.
    /// </summary>
    public static PostgresJournalSource Open(string location)
    {
        PostgresJournal journal;
        try
        {
            journal = PostgresJournal.Of(FabricConfig.Build(JournalKind.Postgres, location == "postgres" ? null : location));
        }
        catch (FormatException e)
        {
            throw new JournalUnreadableException($"{location}: {e.Message}", e);
        }
        var source = new PostgresJournalSource(journal);
        source.CheckSchema();
        return source;
    }

    /// <summary>The PostgreSQL journal a running fabric's configuration writes to (its server and schema).</summary>
    public static PostgresJournalSource Of(Akka.Configuration.Config config)
    {
        var source = new PostgresJournalSource(PostgresJournal.Of(config));
        source.CheckSchema();
        return source;
    }

    /// <summary>Whether a journal argument names a PostgreSQL journal rather than a SQLite file.</summary>
    public static bool Names(string journal) => journal == "postgres" || PostgresJournal.IsUrl(journal);

    private void CheckSchema()
    {
        try
        {
            using var connection = _journal.Open();
            using var command = new NpgsqlCommand(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = @schema AND table_name = @table", connection);
            command.Parameters.AddWithValue("schema", _journal.Schema);
            command.Parameters.AddWithValue("table", Table);
            var present = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            using (var rows = command.ExecuteReader())
                while (rows.Read()) present.Add(rows.GetString(0));
            JournalColumns.Check(Name, present, $"schema {_journal.Schema} has no journal table; it holds no Fabric journal (record one with `fabric trace FILE --journal {Name}`)");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new JournalUnreadableException(
                $"{Name}: cannot read the PostgreSQL journal ({e.Message}); start the server, or set {PostgresJournal.EnvironmentVariable} or give postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME", e);
        }
    }

    public IEnumerable<JournalRow> ReadRows(long untilOrdering = long.MaxValue, CancellationToken cancellation = default)
    {
        NpgsqlConnection connection;
        NpgsqlTransaction transaction;
        NpgsqlDataReader rows;
        try
        {
            connection = _journal.Open();
            transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
            using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction)) readOnly.ExecuteNonQuery();
            var command = new NpgsqlCommand(
                $"SELECT {string.Join(", ", JournalColumns.Names)} FROM \"{_journal.Schema}\".{Table} WHERE ordering <= @until ORDER BY ordering",
                connection, transaction);
            command.Parameters.AddWithValue("until", untilOrdering);
            rows = command.ExecuteReader(CommandBehavior.SequentialAccess);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new JournalUnreadableException($"{Name}: cannot read the journal table: {e.Message}", e);
        }
        using (connection)
        using (transaction)
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
                        PersistenceId: rows.GetString(1),
                        SequenceNumber: rows.GetInt64(2),
                        Deleted: rows.GetBoolean(3),
                        Timestamp: rows.GetInt64(4),
                        SerializerId: rows.IsDBNull(5) ? null : rows.GetInt32(5),
                        Message: rows.GetFieldValue<byte[]>(6));
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
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
