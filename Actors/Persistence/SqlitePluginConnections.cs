using System.Data;
using System.Data.Common;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using LinqToDB.DataProvider.SQLite;
using Microsoft.Data.Sqlite;

namespace Fabric.Persistence;

/// <summary>
/// The connections the SQL journal, snapshot store and read journal open on a SQLite file. Each
/// reads without a lock (see <see cref="DeferredReadsConnection"/>) and waits inside SQLite for a lock another connection holds (PRAGMA busy_timeout), rather than
/// getting SQLITE_BUSY at once. Akka.Persistence.Sql reads in transactions, which
/// Microsoft.Data.Sqlite begins IMMEDIATE (taking the write lock), so a recovery's reads contend
/// with the journal's writes; on SQLITE_BUSY Microsoft.Data.Sqlite sleeps 150 ms before it
/// tries again (SqliteDataReader.NextResult). Under fabric run's chaos a table restarted every
/// 150 ms took 164 ms p50, 618 ms p90 to read its journal back, and never caught up.
/// </summary>
public static class SqlitePluginConnections
{
    /// <summary>How long a connection waits for a lock before SQLite reports it busy.</summary>
    public const int Milliseconds = 10_000;

    /// <summary>The ActorSystem setup for <paramref name="config"/>: its SQLite connections wait for locks; other journals as they are.</summary>
    public static ActorSystemSetup Setup(Config config, ActorSystemSetup? setup = null)
    {
        setup ??= ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config));
        return Options(config) is { } options ? setup.And(new DataOptionsSetup(options)) : setup;
    }

    /// <summary>The SQL plugins' connection options for a SQLite journal; null for any other.</summary>
    public static DataOptions? Options(Config config) =>
        FabricConfig.Journal(config) != JournalKind.Sqlite
            ? null
            : new DataOptions()
                .UseConnectionString(ProviderName.SQLiteMS, config.GetString("akka.persistence.journal.sql.connection-string"))
                .UseConnectionFactory(SQLiteTools.GetDataProvider(SQLiteProvider.Microsoft), o => new DeferredReadsConnection(o.ConnectionOptions.ConnectionString!))
                .UseAfterConnectionOpened(Wait, (c, _) =>
                {
                    Wait(c);
                    return Task.CompletedTask;
                });

    private static void Wait(DbConnection connection)
    {
        using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA busy_timeout = {Milliseconds};";
        pragma.ExecuteNonQuery();
    }

    /// <summary>
    /// A read transaction (read-committed, as FabricConfig configures the SQL plugins' reads) begins
    /// deferred: in WAL mode it reads a snapshot and takes no lock, where Microsoft.Data.Sqlite
    /// would begin it IMMEDIATE and queue it behind every write. Writes still begin IMMEDIATE.
    /// </summary>
    private sealed class DeferredReadsConnection(string connectionString) : SqliteConnection(connectionString)
    {
        protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) =>
            isolationLevel == IsolationLevel.ReadCommitted ? BeginTransaction(deferred: true) : base.BeginDbTransaction(isolationLevel);
    }
}
