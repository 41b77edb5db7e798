namespace Fabric.Hosting.Trace;

/// <summary>One verb of the trace language and the keys it takes, in their documented order.</summary>
public sealed record TraceVerb(string Name, TraceVerbKind Kind, string Meaning, IReadOnlyList<TraceKey> Keys)
{
    /// <summary>The key spec called <paramref name="key"/>, or null when this verb has no such key.</summary>
    public TraceKey? FindKey(string key)
    {
        foreach (var k in Keys)
        {
            if (k.Name == key)
            {
                return k;
            }
        }
        return null;
    }

    /// <inheritdoc cref="FindKey(string)"/>
    public TraceKey? FindKey(ReadOnlySpan<char> key)
    {
        foreach (var k in Keys)
        {
            if (key.SequenceEqual(k.Name))
            {
                return k;
            }
        }
        return null;
    }

    /// <summary>A valid example statement: <c>H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003</c>, optional keys in brackets.</summary>
    public string Usage => Keys.Count == 0 ? Name : $"{Name} {string.Join(' ', Keys.Select(k => k.Usage))}";
}
