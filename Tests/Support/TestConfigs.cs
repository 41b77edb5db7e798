using Akka.Configuration;

namespace Fabric.Tests.Support;

public static class TestConfigs
{
    /// <summary>Akka's in-memory journal: persistence is exercised, nothing touches the disk.</summary>
    public static Config InMemory(string durability = "strict") => ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        fabric.durability = {{durability}}
        """);
}
