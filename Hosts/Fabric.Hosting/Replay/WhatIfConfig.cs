using Akka.Configuration;
using Akka.Configuration.Hocon;
using Fabric.Persistence;

namespace Fabric.Hosting.Replay;

/// <summary>A what-if configuration that cannot be used; the message names the file, the line and the fix.</summary>
public sealed class WhatIfConfigException(string message) : Exception(message);

/// <summary>
/// The configuration <c>fabric replay JOURNAL --against CONFIG</c> re-runs the recorded calls on:
/// a HOCON file of <c>fabric.*</c> keys (and, for tuning, <c>akka.*</c>) laid over akka.hocon.
/// Every <c>fabric.*</c> key must be one akka.hocon defines, so a misspelt knob is an error, not a
/// re-run that silently changed nothing. The re-run keeps its events in memory, so the keys that
/// choose a journal are refused: the re-run never writes anywhere.
/// </summary>
public sealed record WhatIfConfig(string File, Config Config, IReadOnlyList<KeyValuePair<string, string>> Changes)
{
    private static readonly string[] JournalKeys = ["fabric.journal", "fabric.sqlite-file", "fabric.postgres"];

    public static WhatIfConfig Load(string path)
    {
        var file = Path.GetFullPath(path);
        if (!System.IO.File.Exists(file))
            throw new WhatIfConfigException($"{file}: no such configuration file; write the keys to change in HOCON, e.g. `fabric.kvm.acceleration = off`");
        var text = System.IO.File.ReadAllText(file);
        var config = HoconShape.Parse(file, text, m => new WhatIfConfigException(m));

        var changes = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in Leaves(config))
        {
            var at = $"{file}:{LineOf(text, key)}";
            if (JournalKeys.Any(j => key == j || key.StartsWith(j + ".", StringComparison.Ordinal)))
                throw new WhatIfConfigException($"{at}: {key} chooses a journal, but the what-if re-run keeps its events in memory and writes nowhere; remove the key (fabric.durability still applies)");
            if (key.StartsWith("fabric.", StringComparison.Ordinal) && !FabricConfig.Base.HasPath(key))
                throw new WhatIfConfigException($"{at}: {key} is not a Fabric setting; the settings are {string.Join(", ", FabricKeys())} (akka.hocon documents them)");
            if (!key.StartsWith("fabric.", StringComparison.Ordinal) && !key.StartsWith("akka.", StringComparison.Ordinal))
                throw new WhatIfConfigException($"{at}: {key} is neither a fabric.* nor an akka.* setting; a what-if configuration changes only those");
            if (key.StartsWith("fabric.", StringComparison.Ordinal) && Invalid(key, value) is { } problem)
                throw new WhatIfConfigException($"{at}: {key} = {value}: {problem}");
            changes.Add(new(key, value.ToString()));
        }
        if (changes.Count == 0)
            throw new WhatIfConfigException($"{file}: changes nothing; name at least one setting to change, e.g. `fabric.kvm.acceleration = off`");

        var built = FabricConfig.Build(JournalKind.Memory, overrides: config.WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING")));
        return new WhatIfConfig(file, built, changes);
    }

    /// <summary>Why a Fabric setting's value cannot be used, or null: each is read as akka.hocon's comment says.</summary>
    private static string? Invalid(string key, HoconValue value)
    {
        var text = value.IsString() ? value.GetString() : null;
        try
        {
            switch (key)
            {
                case "fabric.durability":
                    return text is "strict" or "async" or "off" ? null : "expected strict, async or off";
                case "fabric.kvm.liobn-binding":
                    return text is "group" or "container" ? null : "expected group or container";
                case "fabric.eeh.guest-pe":
                    return text is "converge" or "qemu" ? null : "expected converge or qemu";
                case "fabric.kvm.acceleration":
                    return text is "on" or "off" or "true" or "false" or "yes" or "no" ? null : "expected on or off";
                case "fabric.async-max-lag" or "fabric.snapshot-every" or "fabric.pe-snapshot-every" or "fabric.eeh.max-freezes" or "fabric.supervision.max-restarts":
                    return value.GetLong() > 0 ? null : "expected a whole number above 0";
                case "fabric.hcall-timeout" or "fabric.eeh.freeze-window" or "fabric.kill-retry" or "fabric.supervision.within":
                    return value.GetTimeSpan() > TimeSpan.Zero ? null : "expected a duration above zero, e.g. 30s";
                default:
                    return null;
            }
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or OverflowException or ConfigurationException or InvalidOperationException)
        {
            return key is "fabric.hcall-timeout" or "fabric.eeh.freeze-window" or "fabric.kill-retry" or "fabric.supervision.within" ? "expected a duration, e.g. 30s or 500ms" : "expected a whole number above 0";
        }
    }

    private static IEnumerable<string> FabricKeys() =>
        Leaves(FabricConfig.Base)
            .Select(kv => kv.Key)
            .Where(k => k.StartsWith("fabric.", StringComparison.Ordinal) && !JournalKeys.Any(j => k == j || k.StartsWith(j + ".", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal);

    /// <summary>Every setting as its full path and value (HOCON nests them in objects).</summary>
    private static IEnumerable<KeyValuePair<string, HoconValue>> Leaves(Config config)
    {
        var stack = new Stack<(string Prefix, HoconValue Value)>();
        stack.Push(("", config.Root));
        while (stack.TryPop(out var item))
        {
            if (item.Value.IsObject())
            {
                foreach (var (name, child) in item.Value.GetObject().Items)
                    stack.Push((item.Prefix.Length == 0 ? name : $"{item.Prefix}.{name}", child));
            }
            else if (item.Prefix.Length > 0)
            {
                yield return new(item.Prefix, item.Value);
            }
        }
    }

    /// <summary>The first line that names the key's last part (HOCON paths may be split over nested blocks).</summary>
    private static int LineOf(string text, string key)
    {
        var leaf = key[(key.LastIndexOf('.') + 1)..];
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].TrimStart().StartsWith(leaf, StringComparison.Ordinal) || lines[i].Contains(key, StringComparison.Ordinal))
                return i + 1;
        return 1;
    }
}
