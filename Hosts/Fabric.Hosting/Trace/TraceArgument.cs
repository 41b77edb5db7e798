namespace Fabric.Hosting.Trace;

/// <summary>One <c>key=value</c> pair of a statement.</summary>
/// <param name="Key">The schema entry of the key.</param>
/// <param name="Value">The value, raw and parsed.</param>
public sealed record TraceArgument(TraceKey Key, TraceValue Value)
{
    /// <summary>The key as written (<c>ioba</c>).</summary>
    public string Name => Key.Name;
}
