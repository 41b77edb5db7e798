using Akka.Configuration;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// The settings a scenario lays over akka.hocon: its durability, its hcall timeout, and the
/// freeze limit its EEH recovery drivers set (Linux's eeh_max_freezes is the guest kernel's;
/// Fabric's host PEs count the freezes, fabric.eeh.max-freezes).
/// </summary>
public static class ScenarioConfig
{
    public static Config Overrides(Scenario s)
    {
        var lines = new List<string>();
        if (s.Durability is { } d) lines.Add($"fabric.durability = {d}");
        if (s.HcallTimeout is { } t) lines.Add($"fabric.hcall-timeout = {(long)t.TotalMilliseconds}ms");
        if (s.Workloads.FirstOrDefault(w => w.MaxFreezes is not null)?.MaxFreezes is { } max) lines.Add($"fabric.eeh.max-freezes = {max}");
        return ConfigurationFactory.ParseString(string.Join('\n', lines));
    }
}
