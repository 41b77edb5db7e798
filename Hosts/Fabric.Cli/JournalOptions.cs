using System.CommandLine;
using Akka.Configuration;
using Fabric.Persistence;
using Npgsql;

namespace Fabric.Cli;

/// <summary>
/// --journal: where the run's events go. "memory" keeps them in the process only; a file path is
/// a SQLite journal; "postgres" is the PostgreSQL server of FABRIC_POSTGRES (else
/// config/journal-postgres.hocon's default) and <c>postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME</c>
/// names one.
/// </summary>
public static class JournalOptions
{
    private static readonly Config Quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING");

    public static Option<string> Journal() => new("--journal")
    {
        Description = "memory (nothing kept); a SQLite file that records the run; postgres (the server in $FABRIC_POSTGRES) " +
                      "or postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME (schema public if left out)",
        DefaultValueFactory = _ => "memory",
    };

    /// <summary>The configuration for --journal; null with the reason when it cannot be used.</summary>
    /// <param name="overrides">Settings laid over akka.hocon (a scenario's durability, say).</param>
    public static Config? Config(string? journal, bool fresh, out string error, Config? overrides = null)
    {
        error = "";
        var quiet = overrides is null ? Quiet : overrides.WithFallback(Quiet);
        if (journal is null or "memory") return FabricConfig.Build(JournalKind.Memory, overrides: quiet);
        if (journal == "postgres" || PostgresJournal.IsUrl(journal)) return Postgres(journal == "postgres" ? null : journal, fresh, out error, quiet);
        var file = new FileInfo(journal);
        if (fresh && file.Exists && file.Length > 0)
        {
            error = $"{file.FullName}: the journal already exists and this command starts a fresh fabric; remove it or name another file";
            return null;
        }
        if (file.Directory is { Exists: false })
        {
            error = $"{file.FullName}: the folder {file.Directory.FullName} does not exist; create it or name another file";
            return null;
        }
        return FabricConfig.Build(JournalKind.Sqlite, file.FullName, quiet);
    }

    /// <summary>
    /// A PostgreSQL journal. A fresh fabric is refused a schema whose journal table already has
    /// rows, as a SQLite file that already exists is: the actors would recover the earlier run
    /// and mix it with this one. Refusing, rather than making a new schema per run behind the
    /// user's back (a --fresh schema), keeps one name for one run's history, leaves nothing
    /// behind that nobody asked for, and tells the user the two ways out (another ?schema=, or
    /// clear this one). The server is asked now, so an unreachable one is a clear exit 2 rather
    /// than journal errors from inside the actors.
    /// </summary>
    private static Config? Postgres(string? url, bool fresh, out string error, Config quiet)
    {
        error = "";
        Config config;
        try
        {
            config = FabricConfig.Build(JournalKind.Postgres, url, quiet);
        }
        catch (FormatException e)
        {
            error = $"--journal: {e.Message}";
            return null;
        }
        var target = PostgresJournal.Of(config);
        try
        {
            var rows = fresh ? target.JournalRows(config.GetString("akka.persistence.journal.sql.default.journal.table-name", "journal")) : 0;
            if (rows > 0)
            {
                error = $"{target}: the journal already holds {rows} events and this command starts a fresh fabric; " +
                        $"name another schema (postgres://...?schema=NAME) or remove the earlier run's tables from schema {target.Schema}";
                return null;
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            error = $"{target}: cannot use the PostgreSQL server ({e.Message}); start it, or set {PostgresJournal.EnvironmentVariable} or give postgres://USER:PASSWORD@HOST:PORT/DATABASE";
            return null;
        }
        return config;
    }
}
