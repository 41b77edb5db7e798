using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace Fabric.Persistence;

/// <summary>Where persistent actors write their events (<c>fabric.journal</c>).</summary>
public enum JournalKind
{
    /// <summary>Akka's in-memory journal and snapshot store: gone with the ActorSystem.</summary>
    Memory,

    /// <summary>Akka.Persistence.Sql on one SQLite file.</summary>
    Sqlite,

    /// <summary>Akka.Persistence.Sql on a PostgreSQL server (config/journal-postgres.hocon).</summary>
    Postgres,
}

/// <summary>Whether actors persist before they answer (<c>fabric.durability</c>).</summary>
public enum DurabilityMode
{
    /// <summary>Reply only after the event is in the journal.</summary>
    Strict,

    /// <summary>No persistence at all: pure simulation speed, nothing to replay.</summary>
    Off,

    /// <summary>
    /// Reply as soon as the kills are done; the journal follows behind, at most
    /// <c>fabric.async-max-lag</c> calls behind (past that, replies wait for it).
    /// </summary>
    Async,
}

/// <summary>Builds the Akka configuration every Fabric ActorSystem starts from.</summary>
public static class FabricConfig
{
    const string Resource = "Fabric.akka.hocon";
    const string PostgresResource = "Fabric.journal-postgres.hocon";

    /// <summary>
    /// akka.hocon (embedded in this assembly) with the journal of <paramref name="kind"/>;
    /// <paramref name="overrides"/> win over everything. <paramref name="location"/> is, for
    /// <see cref="JournalKind.Sqlite"/>, the file (else <c>fabric.sqlite-file</c>); for
    /// <see cref="JournalKind.Postgres"/>, a Npgsql connection string or a
    /// <c>postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME</c> URL (else
    /// <c>fabric.postgres.connection-string</c>: the environment variable FABRIC_POSTGRES, or
    /// config/journal-postgres.hocon's default); the schema is the URL's, else
    /// <c>fabric.postgres.schema</c>. A malformed PostgreSQL location or schema throws
    /// <see cref="FormatException"/>; the server is not asked here (see <see cref="PrepareJournal"/>).
    /// </summary>
    public static Config Build(JournalKind kind, string? location = null, Config? overrides = null)
    {
        var user = overrides ?? Config.Empty;
        var journal = kind switch
        {
            JournalKind.Memory => ConfigurationFactory.ParseString("""
                fabric.journal = memory
                akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                """),
            JournalKind.Sqlite => ConfigurationFactory.ParseString(
                SqliteHocon(Path.GetFullPath(location ?? user.WithFallback(Base).GetString("fabric.sqlite-file")))),
            JournalKind.Postgres => PostgresConfig(location, user),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        // Without the plugin's own defaults as fallback Akka fails with "Plugin class name must be defined".
        return user
            .WithFallback(journal)
            .WithFallback(Base)
            .WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>
    /// config/journal-postgres.hocon (embedded) under FABRIC_POSTGRES (read now, when the config
    /// is built) and the overrides, then the connection string and schema that result (the
    /// location's, if given) written into the journal, the snapshot store and the read journal.
    /// </summary>
    static Config PostgresConfig(string? location, Config user)
    {
        var file = PostgresBase;
        if (Environment.GetEnvironmentVariable(PostgresJournal.EnvironmentVariable) is { Length: > 0 } env)
            file = ConfigurationFactory.ParseString($"fabric.postgres.connection-string = {Quote(env)}").WithFallback(file);
        var merged = user.WithFallback(file);
        // A URL's ?schema= wins over fabric.postgres.schema.
        var target = PostgresJournal.Parse(
            location ?? merged.GetString("fabric.postgres.connection-string"),
            merged.GetString("fabric.postgres.schema", PostgresJournal.DefaultSchema));
        var cs = Quote(target.ConnectionString);
        var schema = Quote(target.Schema);
        return ConfigurationFactory.ParseString($"""
            fabric.postgres.connection-string = {cs}
            fabric.postgres.schema = {schema}
            akka.persistence.journal.sql.connection-string = {cs}
            akka.persistence.journal.sql.default.schema-name = {schema}
            akka.persistence.snapshot-store.sql.connection-string = {cs}
            akka.persistence.snapshot-store.sql.default.schema-name = {schema}
            akka.persistence.query.journal.sql.connection-string = {cs}
            akka.persistence.query.journal.sql.default.schema-name = {schema}
            """).WithFallback(file);
    }

    /// <summary>The durability a configuration asks for (<c>fabric.durability</c>, default strict).</summary>
    public static DurabilityMode Durability(Config config) =>
        Parse<DurabilityMode>(config.GetString("fabric.durability", "strict"), "fabric.durability");

    /// <summary>
    /// Readies the journal a configuration names before the first actor writes to it: a
    /// SQLite file is put in WAL mode (see <see cref="UseWriteAheadLog"/>); a PostgreSQL
    /// schema is created if missing (the plugin creates tables, not schemas). Throws when the
    /// PostgreSQL server cannot be reached.
    /// </summary>
    public static void PrepareJournal(Config config)
    {
        switch (Journal(config))
        {
            case JournalKind.Sqlite:
                var file = config.GetString("fabric.sqlite-file", null);
                if (!string.IsNullOrEmpty(file)) UseWriteAheadLog(file);
                break;
            case JournalKind.Postgres:
                PostgresJournal.Of(config).EnsureSchema();
                break;
        }
    }

    /// <summary>The journal a configuration names (<c>fabric.journal</c>, default sqlite).</summary>
    public static JournalKind Journal(Config config) =>
        Parse<JournalKind>(config.GetString("fabric.journal", "sqlite"), "fabric.journal");

    /// <summary>akka.hocon as shipped, without any fallback.</summary>
    public static Config Base { get; } = ConfigurationFactory.ParseString(ReadResource(Resource));

    /// <summary>config/journal-postgres.hocon as shipped, without any fallback (nor FABRIC_POSTGRES).</summary>
    public static Config PostgresBase { get; } = ConfigurationFactory.ParseString(ReadResource(PostgresResource));

    static string ReadResource(string name)
    {
        using var stream = typeof(FabricConfig).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in Fabric.Actors");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    static string SqliteHocon(string file)
    {
        var cs = Quote(new SqliteConnectionStringBuilder { DataSource = file }.ToString());
        return $"""
            fabric.journal = sqlite
            fabric.sqlite-file = {Quote(file)}
            akka.persistence.journal.plugin = "akka.persistence.journal.sql"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
            akka.persistence.journal.sql.connection-string = {cs}
            akka.persistence.snapshot-store.sql.connection-string = {cs}
            akka.persistence.query.journal.sql.connection-string = {cs}
            # Reads begin deferred (SqlitePluginConnections): no lock, a snapshot of the WAL.
            akka.persistence.journal.sql.read-isolation-level = read-committed
            akka.persistence.snapshot-store.sql.read-isolation-level = read-committed
            akka.persistence.query.journal.sql.read-isolation-level = read-committed
            """;
    }

    /// <summary>
    /// Puts the file in WAL mode (a property of the file, kept by every later connection): a
    /// commit then appends to the log instead of rewriting pages, a few times faster, and a
    /// committed write survives the process being killed.
    /// </summary>
    public static void UseWriteAheadLog(string file)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL;";
        pragma.ExecuteNonQuery();
    }

    // HOCON quoted string: a Windows path's backslashes would otherwise be escapes.
    static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    static T Parse<T>(string? value, string key) where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: true, out var v) && Enum.IsDefined(v)
            ? v
            : throw new ConfigurationException($"{key} = {value}: expected one of {string.Join(", ", Enum.GetNames<T>()).ToLowerInvariant()}");
}
