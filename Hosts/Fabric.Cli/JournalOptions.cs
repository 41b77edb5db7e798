using System.CommandLine;
using Akka.Configuration;

namespace Fabric.Cli;

/// <summary>--journal: where the run's events go. "memory" keeps them in the process only.</summary>
public static class JournalOptions
{
    public static Option<string> Journal() => new("--journal")
    {
        Description = "memory (nothing kept), or a SQLite file that records the run for `fabric replay`",
        DefaultValueFactory = _ => "memory",
    };

    public static Config? Config(string? journal, bool fresh, out string error)
    {
        error = "";
        if (journal is null or "memory")
            return ConfigurationFactory.ParseString("""
                akka.loglevel = WARNING
                akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                fabric.durability = strict
                """);
        error = $"--journal {journal}: SQLite journals are not wired yet; use --journal memory";
        return null;
    }
}
