using Akka.Configuration.Hocon;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// One value of a scenario file with its key path: every typed read either returns the value or
/// throws a <see cref="ScenarioException"/> naming the file, the line, the key and what to write.
/// </summary>
public sealed class ScenarioNode(string file, HoconLines lines, string path, HoconValue? value)
{
    public string Path { get; } = path;
    public bool Exists => value is not null && !value.IsEmpty;

    public ScenarioException Error(string problem) => new($"{file}:{lines.Of(Path)}: {Path}: {problem}");

    public ScenarioNode this[string key] =>
        new(file, lines, $"{Path}.{key}", value is not null && value.IsObject() ? value.GetObject().GetKey(key) : null);

    /// <summary>The children of an object, in the file's order; each key must be one of <paramref name="allowed"/>.</summary>
    public IReadOnlyList<ScenarioNode> Children()
    {
        if (!Exists) return [];
        if (!value!.IsObject()) throw Error("expected an object of named entries, e.g. { g1 { ... } }");
        return [.. value.GetObject().Items.Select(kv => new ScenarioNode(file, lines, $"{Path}.{kv.Key}", kv.Value))];
    }

    public string Name => Path[(Path.LastIndexOf('.') + 1)..];

    /// <summary>Refuses a key this object does not know, naming the ones it does.</summary>
    public void OnlyKeys(params string[] allowed)
    {
        if (!Exists || !value!.IsObject()) return;
        foreach (var key in value.GetObject().Items.Keys)
            if (!allowed.Contains(key))
                throw this[key].Error($"unknown key; {Name} takes {string.Join(", ", allowed)}");
    }

    public string String() =>
        Exists && value!.IsString() ? value.GetString() : throw Error(Exists ? "expected a word or a quoted string" : "missing; it is required here");

    public string? StringOrNull() => Exists ? String() : null;

    public long Long(long? fallback = null)
    {
        if (!Exists) return fallback ?? throw Error("missing; it is required here (a whole number)");
        try
        {
            var text = value!.GetString().Trim();
            return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? checked((long)Convert.ToUInt64(text[2..], 16))
                : long.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw Error($"expected a whole number (decimal or 0x...), not {value!.GetString()}");
        }
    }

    public int Int(int? fallback = null)
    {
        var v = Long(fallback);
        return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw Error($"{v} is too large");
    }

    public ulong Hex(ulong? fallback = null)
    {
        if (!Exists) return fallback ?? throw Error("missing; it is required here (a number, e.g. 0x1)");
        var v = Long();
        return v >= 0 ? (ulong)v : throw Error("expected a number of at least 0");
    }

    /// <summary>A size: a number of bytes or one with K, M, G or T (powers of 1024).</summary>
    public ulong Size(ulong? fallback = null)
    {
        if (!Exists) return fallback ?? throw Error("missing; it is required here (a size, e.g. 2G)");
        var text = value!.GetString().Trim();
        var shift = char.ToUpperInvariant(text[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        var digits = shift == 0 ? text : text[..^1];
        if (!ulong.TryParse(digits, out var n) || n == 0 || (shift > 0 && n > ulong.MaxValue >> shift))
            throw Error($"expected a size above 0 such as 4096, 64K, 2G or 1T, not {text}");
        return n << shift;
    }

    public double Rate(double fallback)
    {
        if (!Exists) return fallback;
        try
        {
            var v = value!.GetDouble();
            return v is >= 0 and <= 1 ? v : throw Error($"expected a rate between 0 and 1, not {v}");
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw Error($"expected a rate between 0 and 1, e.g. 0.01, not {value!.GetString()}");
        }
    }

    public TimeSpan? Duration()
    {
        if (!Exists) return null;
        try
        {
            var t = value!.GetTimeSpan();
            return t > TimeSpan.Zero ? t : throw Error("expected a duration above zero, e.g. 30s or 10ms");
        }
        catch (Exception e) when (e is FormatException or OverflowException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw Error($"expected a duration such as 30s, 500ms or 2m, not {value!.GetString()}");
        }
    }

    public bool Bool(bool fallback)
    {
        if (!Exists) return fallback;
        return value!.GetString() switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            var v => throw Error($"expected on or off, not {v}"),
        };
    }

    public IReadOnlyList<string> Strings()
    {
        if (!Exists) return [];
        if (!value!.IsArray()) throw Error("expected a list, e.g. [a, b]");
        return [.. value.GetArray().Select(v => v.GetString())];
    }

    public IReadOnlyList<int> Ints()
    {
        if (!Exists) return [];
        if (!value!.IsArray()) throw Error("expected a list of numbers, e.g. [1, 2]");
        return [.. value.GetArray().Select(v => int.TryParse(v.GetString(), out var n) && n >= 0 ? n : throw Error($"expected whole numbers of at least 0, not {v.GetString()}"))];
    }

    public T Choice<T>(IReadOnlyDictionary<string, T> choices, T? fallback = null) where T : struct
    {
        if (!Exists) return fallback ?? throw Error($"missing; one of {string.Join(", ", choices.Keys)}");
        var text = value!.GetString();
        return choices.TryGetValue(text, out var v) ? v : throw Error($"{text} is not one of {string.Join(", ", choices.Keys)}");
    }
}
