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

/// <summary>
/// An <see cref="InjectedCrash"/> reached a persistent actor still recovering from an earlier
/// crash: it is down already, so the crash is absorbed, not stashed behind the recovery
/// (published on the event stream, for `fabric run`'s report). Stashed, crashes sent faster than
/// the actor recovered piled up ahead of its calls, and each incarnation lived only to take the
/// next one: the calls behind them were never answered.
/// </summary>
public sealed record InjectedCrashAbsorbed(string Actor) : IFabricMessage;

/// <summary>The crash an <see cref="InjectedCrash"/> causes.</summary>
public sealed class InjectedCrashException(string actor) : Exception($"injected crash of {actor}");
