using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Configuration;
using Fabric.Messages;

namespace Fabric;

/// <summary>
/// How Fabric's parents supervise: restart a crashed child (it recovers from its journal), stop
/// one that fails to start or crashes more than fabric.supervision.max-restarts times within
/// fabric.supervision.within. An injected crash always restarts: Akka counts every restart
/// against the limit, so those are decided by a strategy of their own that has none.
/// </summary>
public static class FabricSupervision
{
    public static SupervisorStrategy Strategy(Config config) =>
        new InjectedCrashesRestart(
            config.GetInt("fabric.supervision.max-restarts", 10),
            config.GetTimeSpan("fabric.supervision.within", TimeSpan.FromMinutes(1)));

    private sealed class InjectedCrashesRestart(int maxRestarts, TimeSpan within) : OneForOneStrategy(maxRestarts, within, Decide)
    {
        private static Directive Decide(Exception ex) => ex switch
        {
            ActorInitializationException => Directive.Stop,
            _ => Directive.Restart,
        };

        public override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
        {
            // A restart Akka would refuse (too many within the window) is allowed when injected.
            if (!restart && cause is InjectedCrashException) restart = true;
            base.ProcessFailure(context, restart, child, cause, stats, children);
        }
    }
}
