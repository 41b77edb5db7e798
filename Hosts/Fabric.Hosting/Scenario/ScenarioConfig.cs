using Akka.Configuration;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// The settings a scenario lays over akka.hocon: its durability, its hcall timeout, the
/// freeze limit its EEH recovery drivers set (Linux's eeh_max_freezes is the guest kernel's;
/// Fabric's host PEs count the freezes, fabric.eeh.max-freezes), and with a journal-fail fault
/// the journal in front of the real one that fails writes.
/// </summary>
public static class ScenarioConfig
{
    public static Config Overrides(Scenario s)
    {
        var lines = new List<string>();
        if (s.Durability is { } d) lines.Add($"fabric.durability = {d}");
        if (s.HcallTimeout is { } t) lines.Add($"fabric.hcall-timeout = {(long)t.TotalMilliseconds}ms");
        if (s.Workloads.FirstOrDefault(w => w.MaxFreezes is not null)?.MaxFreezes is { } max) lines.Add($"fabric.eeh.max-freezes = {max}");
        if (s.Faults.Any(f => f.Kind == FaultKind.JournalFail))
        {
            lines.Add($"akka.persistence.journal.plugin = \"{Persistence.FaultyJournal.PluginId}\"");
            lines.Add($"{Persistence.FaultyJournal.PluginId}.class = \"{typeof(Persistence.FaultyJournal).FullName}, {typeof(Persistence.FaultyJournal).Assembly.GetName().Name}\"");
            lines.Add($"{Persistence.FaultyJournal.PluginId}.plugin-dispatcher = \"akka.actor.default-dispatcher\"");
        }
        return ConfigurationFactory.ParseString(string.Join('\n', lines));
    }
}
