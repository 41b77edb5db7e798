using System.CommandLine;
using Akka.Configuration;
using Fabric.Persistence;

namespace Fabric.Cli;

/// <summary>--journal: where the run's events go. "memory" keeps them in the process only.</summary>
public static class JournalOptions
{
    private static readonly Config Quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING");

    public static Option<string> Journal() => new("--journal")
    {
        Description = "memory (nothing kept), or a SQLite file that records the run",
        DefaultValueFactory = _ => "memory",
    };

    /// <summary>The configuration for --journal; null with the reason when it cannot be used.</summary>
    public static Config? Config(string? journal, bool fresh, out string error)
    {
        error = "";
        if (journal is null or "memory") return FabricConfig.Build(JournalKind.Memory, overrides: Quiet);
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
        return FabricConfig.Build(JournalKind.Sqlite, file.FullName, Quiet);
    }
}
