using Akka.Persistence.Sql.Config;
using Fabric.Persistence;
using LinqToDB.Data;

namespace Fabric.Tests.Persistence;

/// <summary>
/// The SQL journal's SQLite connections wait inside SQLite for a lock another connection holds,
/// instead of sleeping 150 ms in Microsoft.Data.Sqlite on SQLITE_BUSY; other journals are left as
/// they are.
/// </summary>
public sealed class SqliteBusyTimeoutSpec
{
    [Fact]
    public void A_connection_the_SQL_journal_opens_on_SQLite_waits_for_locks()
    {
        var file = Path.Combine(Path.GetTempPath(), $"fabric-busy-{Guid.NewGuid():N}.db");
        try
        {
            var config = FabricConfig.Build(JournalKind.Sqlite, file);
            Assert.True(SqliteBusyTimeout.Setup(config).Get<DataOptionsSetup>().HasValue);
            var options = SqliteBusyTimeout.Options(config)!;

            using (var db = new DataConnection(options))
                Assert.Equal(SqliteBusyTimeout.Milliseconds, db.Execute<long>("PRAGMA busy_timeout;"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Fact]
    public void Other_journals_get_no_SQLite_options()
    {
        Assert.Null(SqliteBusyTimeout.Options(FabricConfig.Build(JournalKind.Memory)));
        Assert.False(SqliteBusyTimeout.Setup(FabricConfig.Build(JournalKind.Memory)).Get<DataOptionsSetup>().HasValue);
    }
}
