namespace Fabric.Hosting.Trace;

/// <summary>
/// One parsed, schema-checked line of a trace: where it came from, its verb, and its
/// <c>key=value</c> pairs in the order written. Every required key is present, no key is
/// unknown or repeated, and every value is of its key's kind.
/// </summary>
public sealed class TraceStatement
{
    internal TraceStatement(string file, int line, TraceVerb verb, IReadOnlyList<TraceArgument> arguments)
    {
        File = file;
        Line = line;
        Spec = verb;
        Arguments = arguments;
    }

    /// <summary>The trace file's name as the user gave it.</summary>
    public string File { get; }

    /// <summary>1-based line number.</summary>
    public int Line { get; }

    /// <summary>The verb's schema entry.</summary>
    public TraceVerb Spec { get; }

    /// <summary>The verb as written (<c>H_PUT_TCE</c>).</summary>
    public string Verb => Spec.Name;

    public TraceVerbKind Kind => Spec.Kind;

    /// <summary>The pairs in the order written.</summary>
    public IReadOnlyList<TraceArgument> Arguments { get; }

    /// <summary><c>FILE:LINE</c>.</summary>
    public string Location => $"{File}:{Line}";

    /// <summary>The pair with this key, or null when the line does not give it.</summary>
    public TraceArgument? Find(string key)
    {
        foreach (var a in Arguments)
        {
            if (a.Name == key)
            {
                return a;
            }
        }
        return null;
    }

    public bool Has(string key) => Find(key) is not null;

    /// <summary>The value of a key the line gives; <see cref="KeyNotFoundException"/> otherwise.</summary>
    public TraceValue this[string key] =>
        Find(key)?.Value ?? throw new KeyNotFoundException($"{Location}: {Verb} gives no {key}=.");

    /// <summary>A number (or size) key's value.</summary>
    public ulong Number(string key) => this[key].Number;

    /// <summary>An optional number key's value, or <paramref name="fallback"/> when not given.</summary>
    public ulong NumberOr(string key, ulong fallback) => Find(key)?.Value.Number ?? fallback;

    /// <summary>A number list key's values.</summary>
    public IReadOnlyList<ulong> Numbers(string key) => this[key].Numbers;

    /// <summary>A name or word key's text.</summary>
    public string Word(string key) => this[key].Word;

    /// <summary>An optional name or word key's text, or null when not given.</summary>
    public string? WordOrNull(string key) => Find(key)?.Value.Word;

    /// <summary>
    /// An error at this statement's line, for problems only the executor can see
    /// (e.g. <c>vm=</c> left out while the trace declares two VMs).
    /// </summary>
    public TraceError Error(string message) => new(File, Line, message);

    /// <summary>The echo (<see cref="TraceOutput.Echo"/>).</summary>
    public override string ToString() => TraceOutput.Echo(this);
}
