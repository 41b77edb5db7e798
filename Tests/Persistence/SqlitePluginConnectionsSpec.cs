using Akka.Persistence.Sql.Config;
using Fabric.Persistence;
using LinqToDB.Data;

namespace Fabric.Tests.Persistence;

/// <summary>
/// The SQL journal's SQLite connections wait inside SQLite for a lock another connection holds,
/// instead of sleeping 150 ms in Microsoft.Data.Sqlite on SQLITE_BUSY; other journals are left as
/// they are.
/// </summary>
public sealed class SqlitePluginConnectionsSpec
{
    [Fact]
    public void A_connection_the_SQL_journal_opens_on_SQLite_waits_for_locks()
    {
        var file = Path.Combine(Path.GetTempPath(), $"fabric-busy-{Guid.NewGuid():N}.db");
        try
        {
            var config = FabricConfig.Build(JournalKind.Sqlite, file);
            Assert.True(SqlitePluginConnections.Setup(config).Get<DataOptionsSetup>().HasValue);
            var options = SqlitePluginConnections.Options(config)!;

            using (var db = new DataConnection(options))
                Assert.Equal(SqlitePluginConnections.Milliseconds, db.Execute<long>("PRAGMA busy_timeout;"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Fact]
    public void A_read_transaction_takes_no_lock_so_a_write_in_progress_does_not_hold_it_up()
    {
        var file = Path.Combine(Path.GetTempPath(), $"fabric-busy-{Guid.NewGuid():N}.db");
        try
        {
            var config = FabricConfig.Build(JournalKind.Sqlite, file);
            FabricConfig.PrepareJournal(config);
            Assert.Equal("read-committed", config.GetString("akka.persistence.journal.sql.read-isolation-level"));
            using var writer = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file}");
            writer.Open();
            using (var create = writer.CreateCommand())
            {
                create.CommandText = "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);";
                create.ExecuteNonQuery();
            }
            using var write = writer.BeginTransaction();

            // Begun IMMEDIATE, this read would wait the whole busy timeout (10 s) for the writer.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var db = new DataConnection(SqlitePluginConnections.Options(config)!))
            using (db.BeginTransaction(System.Data.IsolationLevel.ReadCommitted))
                Assert.Equal(1L, db.Execute<long>("SELECT x FROM t;"));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the read waited {clock.Elapsed.TotalMilliseconds:0} ms");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
        }
    }

    [Fact]
    public void Other_journals_get_no_SQLite_options()
    {
        Assert.Null(SqlitePluginConnections.Options(FabricConfig.Build(JournalKind.Memory)));
        Assert.False(SqlitePluginConnections.Setup(FabricConfig.Build(JournalKind.Memory)).Get<DataOptionsSetup>().HasValue);
    }
}
