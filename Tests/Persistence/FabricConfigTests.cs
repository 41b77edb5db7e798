using Akka.Configuration;
using Fabric.Persistence;
using Xunit;

namespace Fabric.Tests.Persistence;

public sealed class FabricConfigTests
{
    [Fact]
    public void Sqlite_points_journal_snapshots_and_queries_at_the_file_with_the_fabric_serializer()
    {
        var file = Path.Combine(Path.GetTempPath(), "dir with space", "a;b.db");
        var config = FabricConfig.Build(JournalKind.Sqlite, file);

        Assert.Equal(JournalKind.Sqlite, FabricConfig.Journal(config));
        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));
        foreach (var path in new[] { "akka.persistence.journal.sql", "akka.persistence.snapshot-store.sql", "akka.persistence.query.journal.sql" })
        {
            var connection = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(config.GetString($"{path}.connection-string"));
            Assert.Equal(file, connection.DataSource);
            Assert.Equal("SQLite.MS", config.GetString($"{path}.provider-name"));
        }
        Assert.Equal("fabric-hyperion", config.GetString("akka.persistence.journal.sql.serializer"));
        Assert.Equal("fabric-hyperion", config.GetString("akka.persistence.snapshot-store.sql.serializer"));
        Assert.Equal(1, config.GetInt("akka.persistence.journal.sql.parallelism"));
        // The plugin's own defaults are there underneath.
        Assert.Equal("Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql", config.GetString("akka.persistence.journal.sql.class"));
        Assert.False(config.GetBoolean("akka.actor.serialize-messages"));
    }

    [Fact]
    public void Sqlite_without_a_file_uses_fabric_sqlite_file()
    {
        var config = FabricConfig.Build(JournalKind.Sqlite, overrides: ConfigurationFactory.ParseString("fabric.sqlite-file = \"other.db\""));

        Assert.Contains(Path.GetFullPath("other.db"), config.GetString("akka.persistence.journal.sql.connection-string"));
    }

    [Fact]
    public void Memory_uses_the_in_memory_journal_and_snapshot_store()
    {
        var config = FabricConfig.Build(JournalKind.Memory);

        Assert.Equal(JournalKind.Memory, FabricConfig.Journal(config));
        Assert.Equal("akka.persistence.journal.inmem", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.inmem", config.GetString("akka.persistence.snapshot-store.plugin"));
    }

    [Fact]
    public void Durability_is_strict_unless_switched_off()
    {
        Assert.Equal(DurabilityMode.Strict, FabricConfig.Durability(FabricConfig.Build(JournalKind.Memory)));
        Assert.Equal(DurabilityMode.Off, FabricConfig.Durability(
            FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString("fabric.durability = off"))));
        Assert.Throws<ConfigurationException>(() => FabricConfig.Durability(ConfigurationFactory.ParseString("fabric.durability = sometimes")));
    }

    [Fact]
    public void Overrides_win_and_the_base_binds_the_marker_interface()
    {
        var config = FabricConfig.Build(JournalKind.Sqlite, "x.db",
            ConfigurationFactory.ParseString("akka.persistence.journal.sql.parallelism = 2"));

        Assert.Equal(2, config.GetInt("akka.persistence.journal.sql.parallelism"));
        Assert.Equal("fabric-hyperion", config.GetString("akka.actor.serialization-bindings.\"Fabric.Messages.IFabricMessage, Fabric.Messages\""));
        Assert.Equal("Fabric.Serialization.FabricHyperionSerializer, Fabric.Actors", config.GetString("akka.actor.serializers.fabric-hyperion"));
    }

    [Fact]
    public void Postgres_points_journal_snapshots_and_queries_at_the_server_and_schema_with_the_fabric_serializer()
    {
        var config = FabricConfig.Build(JournalKind.Postgres, "Host=db.example;Port=5433;Username=u;Password=p;Database=d",
            ConfigurationFactory.ParseString("fabric.postgres.schema = run_1"));

        Assert.Equal(JournalKind.Postgres, FabricConfig.Journal(config));
        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.sql", config.GetString("akka.persistence.snapshot-store.plugin"));
        foreach (var path in new[] { "akka.persistence.journal.sql", "akka.persistence.snapshot-store.sql", "akka.persistence.query.journal.sql" })
        {
            var connection = new Npgsql.NpgsqlConnectionStringBuilder(config.GetString($"{path}.connection-string"));
            Assert.Equal(("db.example", 5433, "u", "p", "d"), (connection.Host, connection.Port, connection.Username, connection.Password, connection.Database));
            Assert.Equal("PostgreSQL.15", config.GetString($"{path}.provider-name"));
            Assert.Equal("run_1", config.GetString($"{path}.default.schema-name"));
        }
        Assert.Equal("fabric-hyperion", config.GetString("akka.persistence.journal.sql.serializer"));
        Assert.Equal("fabric-hyperion", config.GetString("akka.persistence.snapshot-store.sql.serializer"));
        Assert.Equal("Csv", config.GetString("akka.persistence.journal.sql.tag-write-mode"));
        Assert.Equal("Csv", config.GetString("akka.persistence.query.journal.sql.tag-read-mode"));
        Assert.True(config.GetInt("akka.persistence.journal.sql.parallelism") > 1);
        // akka.hocon's tagger is still bound underneath.
        Assert.Equal("Fabric.Persistence.FabricTagger, Fabric.Actors", config.GetString("akka.persistence.journal.sql.event-adapters.fabric-tagger"));
        Assert.Equal(new PostgresJournal(config.GetString("akka.persistence.journal.sql.connection-string"), "run_1"), PostgresJournal.Of(config));
    }

    [Fact]
    public void Postgres_without_a_location_uses_FABRIC_POSTGRES_else_the_hocon_default()
    {
        var config = FabricConfig.Build(JournalKind.Postgres);

        var expected = Environment.GetEnvironmentVariable(PostgresJournal.EnvironmentVariable) is { Length: > 0 } env
            ? PostgresJournal.Parse(env)
            : PostgresJournal.Parse(FabricConfig.PostgresBase.GetString("fabric.postgres.connection-string"));
        Assert.Equal(expected.ConnectionString, config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal(expected.Schema, config.GetString("fabric.postgres.schema"));
    }

    [Fact]
    public void Postgres_overrides_win_over_the_environment_and_a_location_over_both()
    {
        var overrides = ConfigurationFactory.ParseString("fabric.postgres.connection-string = \"Host=from-overrides;Database=o\"");

        Assert.Contains("from-overrides", FabricConfig.Build(JournalKind.Postgres, overrides: overrides).GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Contains("from-argument", FabricConfig.Build(JournalKind.Postgres, "Host=from-argument", overrides).GetString("akka.persistence.journal.sql.connection-string"));
    }

    [Fact]
    public void A_postgres_url_gives_server_credentials_database_schema_and_npgsql_keywords()
    {
        var j = PostgresJournal.Parse("postgres://fab%40ric:p%3Aw%40d@[::1]:6543/my%20db?schema=run_2&Timeout=7");

        var b = new Npgsql.NpgsqlConnectionStringBuilder(j.ConnectionString);
        Assert.Equal(("::1", 6543, "fab@ric", "p:w@d", "my db", 7), (b.Host, b.Port, b.Username, b.Password, b.Database, b.Timeout));
        Assert.Equal("run_2", j.Schema);
        Assert.DoesNotContain("p:w@d", j.ToString());
        Assert.Equal("postgres://fab%40ric@[::1]:6543/my%20db?schema=run_2", j.ToString());

        var plain = PostgresJournal.Parse("postgresql://127.0.0.1/fabric");
        Assert.Equal(5432, new Npgsql.NpgsqlConnectionStringBuilder(plain.ConnectionString).Port);
        Assert.Equal("public", plain.Schema);
        // The URL's schema wins over fabric.postgres.schema.
        var config = FabricConfig.Build(JournalKind.Postgres, "postgres://u@h/d?schema=from_url", ConfigurationFactory.ParseString("fabric.postgres.schema = other"));
        Assert.Equal("from_url", config.GetString("akka.persistence.journal.sql.default.schema-name"));
    }

    [Theory]
    [InlineData("postgres://u:secret@h/d?schema=Bad-Name", "schema \"Bad-Name\"")]
    [InlineData("postgres://u:secret@h/d?schema=x;drop", "schema \"x;drop\"")]
    [InlineData("postgres://u:secret@h/d?nonsense=1", "nonsense")]
    [InlineData("Hots=127.0.0.1", "not a Npgsql connection string")]
    public void A_bad_postgres_location_is_a_format_error_that_keeps_the_password_out(string location, string expected)
    {
        var e = Assert.Throws<FormatException>(() => FabricConfig.Build(JournalKind.Postgres, location));

        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("secret", e.Message);
    }
}
