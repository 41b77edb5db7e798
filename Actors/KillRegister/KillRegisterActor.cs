using Akka.Actor;
using Fabric.Messages;

namespace Fabric.KillRegister;

/// <summary>
/// A PE's TCE kill register. It decodes a kill into the cache operation the PHB performs
/// (INVAL_ONE for a single entry, INVAL_PE when the range covers the cache, else a page range)
/// and hands it to its PE, keeping the original requester so the PE acknowledges directly.
/// </summary>
public sealed class KillRegisterActor : ReceiveActor, IWithTimers
{
    private long _late;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record Late(InvalidateTceCache Invalidate, IActorRef Requester);

    public KillRegisterActor(int cacheSlots, int group, Func<KillFaults?> faults)
    {
        Receive<TceKill>(k =>
        {
            Kills++;
            if (k.Count == 1) KillOne++;
            else if (k.Count >= (ulong)cacheSlots) KillPe++;
            var invalidate = new InvalidateTceCache(k.Table, k.FirstEntry, k.Count, k.Token);
            var plan = faults();
            switch (plan?.Next(group) ?? KillFate.Delivered)
            {
                case KillFate.Dropped:
                    return;
                case KillFate.Delayed:
                    Timers.StartSingleTimer(++_late, new Late(invalidate, Sender), plan!.Delay);
                    return;
                case KillFate.Duplicated:
                    Context.Parent.Forward(invalidate);
                    Context.Parent.Forward(invalidate);
                    return;
                default:
                    Context.Parent.Forward(invalidate);
                    return;
            }
        });
        Receive<Late>(l => Context.Parent.Tell(l.Invalidate, l.Requester));
    }

    /// <summary>A fault injection (fabric run's crash fault) crashes the register whatever it is doing.</summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        message is InjectedCrash ? throw new InjectedCrashException(Self.Path.ToString()) : base.AroundReceive(receive, message);

    public long Kills { get; private set; }
    public long KillOne { get; private set; }
    public long KillPe { get; private set; }

    /// <param name="faults">The host's kill faults of the moment (none outside a chaos run).</param>
    public static Props Props(int cacheSlots, int group = 0, Func<KillFaults?>? faults = null) =>
        Akka.Actor.Props.Create(() => new KillRegisterActor(cacheSlots, group, faults ?? (() => null)));
}
