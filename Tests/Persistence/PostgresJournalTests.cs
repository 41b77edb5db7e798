using Fabric.Persistence;
using Fabric.Tests.Support;
using Npgsql;

namespace Fabric.Tests.Persistence;

/// <summary>The SQLite round trip (<see cref="SqliteJournalTests"/>) on PostgreSQL, in a schema of its own.</summary>
public sealed class PostgresJournalTests : Akka.TestKit.Xunit2.TestKit
{
    readonly PostgresJournal _journal;

    public PostgresJournalTests() : this(PostgresServer.Journal("journal")) { }

    PostgresJournalTests(PostgresJournal journal) : base(PostgresServer.Config(journal), "writer") => _journal = journal;

    [PostgresFact]
    public void Events_and_snapshots_are_written_by_the_fabric_serializer_and_recovered_by_another_system() =>
        JournalRoundTrip.Run(this, Query, PostgresServer.Config(_journal),
            system => Shutdown(system, JournalRoundTrip.Wait, verifySystemShutdown: true));

    long[] Query(string sql)
    {
        var b = new NpgsqlConnectionStringBuilder(_journal.ConnectionString) { SearchPath = _journal.Schema };
        using var connection = new NpgsqlConnection(b.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("pid", JournalRoundTrip.Pid);
        using var rows = command.ExecuteReader();
        var ids = new List<long>();
        while (rows.Read()) ids.Add(Convert.ToInt64(rows.GetValue(0)));
        return [.. ids];
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        PostgresServer.Drop(_journal);
    }
}
