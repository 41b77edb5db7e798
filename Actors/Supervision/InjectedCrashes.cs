using Akka.Actor;
using Fabric.Messages;

namespace Fabric;

/// <summary>What a persistent actor does with an injected crash that finds it recovering.</summary>
public static class InjectedCrashes
{
    /// <summary>Drops the crash and says so on the event stream; returns true (handled).</summary>
    public static bool Absorb(IActorContext context)
    {
        context.System.EventStream.Publish(new InjectedCrashAbsorbed(context.Self.Path.ToStringWithoutAddress()));
        return true;
    }
}
