using Akka.Configuration;

namespace Fabric.Hosting.Scenario;

/// <summary>The settings a scenario lays over akka.hocon (its durability, its hcall timeout).</summary>
public static class ScenarioConfig
{
    public static Config Overrides(Scenario s)
    {
        var lines = new List<string>();
        if (s.Durability is { } d) lines.Add($"fabric.durability = {d}");
        if (s.HcallTimeout is { } t) lines.Add($"fabric.hcall-timeout = {(long)t.TotalMilliseconds}ms");
        return ConfigurationFactory.ParseString(string.Join('\n', lines));
    }
}
