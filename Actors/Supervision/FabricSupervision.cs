using Akka.Actor;
using Akka.Actor.Internal;
using Akka.Configuration;
using Fabric.Messages;

namespace Fabric;

/// <summary>
/// How Fabric's parents supervise. A VM restarts a crashed table, router or vCPU (it recovers
/// from its journal) and stops one that fails to start or crashes more than
/// fabric.supervision.max-restarts times within fabric.supervision.within. Hosts and PEs keep
/// Akka's default (restart, without limit). Everywhere, an injected crash (`fabric run`'s chaos)
/// restarts without counting against the limit (a chaos run would soon have its actors stopped
/// for good) and without an error in the log: it is the run's doing, and the report counts it.
/// </summary>
public static class FabricSupervision
{
    public static SupervisorStrategy Strategy(Config config) =>
        new InjectedCrashesRestart(
            config.GetInt("fabric.supervision.max-restarts", 10),
            config.GetTimeSpan("fabric.supervision.within", TimeSpan.FromMinutes(1)),
            ex => ex switch
            {
                ActorInitializationException => Directive.Stop,
                _ => Directive.Restart,
            });

    /// <summary>Akka's default strategy, but for injected crashes.</summary>
    public static readonly SupervisorStrategy Default = new InjectedCrashesRestart(-1, Timeout.InfiniteTimeSpan, SupervisorStrategy.DefaultDecider.Decide);

    private sealed class InjectedCrashesRestart(int maxRestarts, TimeSpan within, Func<Exception, Directive> decide)
        : OneForOneStrategy(maxRestarts, within, decide)
    {
        public override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
        {
            if (cause is InjectedCrashException) RestartChild(child, cause, suspendFirst: false);
            else base.ProcessFailure(context, restart, child, cause, stats, children);
        }

        protected override void LogFailure(IActorContext context, IActorRef child, Exception cause, Directive directive)
        {
            if (cause is not InjectedCrashException) base.LogFailure(context, child, cause, directive);
        }
    }
}
