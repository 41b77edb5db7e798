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
}
