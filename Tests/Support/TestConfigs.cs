using Akka.Configuration;
using Fabric.Persistence;

namespace Fabric.Tests.Support;

public static class TestConfigs
{
    /// <summary>Akka's in-memory journal: persistence is exercised, nothing touches the disk.</summary>
    public static Config InMemory(string durability = "strict") =>
        FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString($"""
            akka.loglevel = WARNING
            fabric.durability = {durability}
            """));
}
