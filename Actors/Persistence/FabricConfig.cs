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

    /// <summary>
    /// akka.hocon (embedded in this assembly) with the journal of <paramref name="kind"/>;
    /// <paramref name="overrides"/> win over everything. For <see cref="JournalKind.Sqlite"/> the
    /// file is <paramref name="sqliteFile"/>, else <c>fabric.sqlite-file</c>.
    /// </summary>
    public static Config Build(JournalKind kind, string? sqliteFile = null, Config? overrides = null)
    {
        var user = overrides ?? Config.Empty;
        var journal = kind switch
        {
            JournalKind.Memory => """
                fabric.journal = memory
                akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                """,
            JournalKind.Sqlite => SqliteHocon(Path.GetFullPath(sqliteFile ?? user.WithFallback(Base).GetString("fabric.sqlite-file"))),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        // Without the plugin's own defaults as fallback Akka fails with "Plugin class name must be defined".
        return user
            .WithFallback(ConfigurationFactory.ParseString(journal))
            .WithFallback(Base)
            .WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>The durability a configuration asks for (<c>fabric.durability</c>, default strict).</summary>
    public static DurabilityMode Durability(Config config) =>
        Parse<DurabilityMode>(config.GetString("fabric.durability", "strict"), "fabric.durability");

    /// <summary>
    /// Readies the journal a configuration names before the first actor writes to it: a
    /// SQLite file is put in WAL mode (see <see cref="UseWriteAheadLog"/>).
    /// </summary>
    public static void PrepareJournal(Config config)
    {
        var file = config.GetString("fabric.sqlite-file", null);
        if (Journal(config) == JournalKind.Sqlite && !string.IsNullOrEmpty(file)) UseWriteAheadLog(file);
    }

    /// <summary>The journal a configuration names (<c>fabric.journal</c>, default sqlite).</summary>
    public static JournalKind Journal(Config config) =>
        Parse<JournalKind>(config.GetString("fabric.journal", "sqlite"), "fabric.journal");

    /// <summary>akka.hocon as shipped, without any fallback.</summary>
    public static Config Base { get; } = LoadBase();

    static Config LoadBase()
    {
        using var stream = typeof(FabricConfig).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"{Resource} is not embedded in Fabric.Actors");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
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
