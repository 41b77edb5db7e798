using Akka.Actor;
using Fabric.Messages;

namespace Fabric.KillRegister;

/// <summary>
/// A PE's TCE kill register. It decodes a kill into the cache operation the PHB performs
/// (INVAL_ONE for a single entry, INVAL_PE when the range covers the cache, else a page range)
/// and hands it to its PE, keeping the original requester so the PE acknowledges directly.
/// </summary>
public sealed class KillRegisterActor : ReceiveActor
{
    public KillRegisterActor(int cacheSlots)
    {
        Receive<TceKill>(k =>
        {
            Kills++;
            if (k.Count == 1) KillOne++;
            else if (k.Count >= (ulong)cacheSlots) KillPe++;
            Context.Parent.Forward(new InvalidateTceCache(k.Table, k.FirstEntry, k.Count, k.Token));
        });
    }

    public long Kills { get; private set; }
    public long KillOne { get; private set; }
    public long KillPe { get; private set; }

    public static Props Props(int cacheSlots) => Akka.Actor.Props.Create(() => new KillRegisterActor(cacheSlots));
}
