namespace Fabric.Messages;

/// <summary>
/// A fault injection: the actor that receives it throws <see cref="InjectedCrashException"/>,
/// whatever it is doing, and its supervisor restarts it as it would after any crash (`fabric
/// run`'s crash fault). Never journaled.
/// </summary>
public sealed record InjectedCrash : IFabricMessage
{
    public static readonly InjectedCrash Instance = new();
}

/// <summary>The crash an <see cref="InjectedCrash"/> causes.</summary>
public sealed class InjectedCrashException(string actor) : Exception($"injected crash of {actor}");
