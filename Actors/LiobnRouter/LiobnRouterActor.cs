using Akka.Actor;
using Fabric.Messages;

namespace Fabric.LiobnRouter;

/// <summary>Registers the table actor that answers for a LIOBN.</summary>
public sealed record RouteLiobn(ulong Liobn, IActorRef Table);

/// <summary>
/// A VM's LIOBN -> table map. A LIOBN neither KVM nor QEMU knows gets what the composition
/// gives it: KVM's H_TOO_HARD, then QEMU's H_PARAMETER; R4 stays as the guest set it.
/// </summary>
public sealed class LiobnRouterActor : ReceiveActor
{
    private readonly Dictionary<ulong, IActorRef> _tables = new();

    public LiobnRouterActor()
    {
        Receive<RouteLiobn>(r => _tables[r.Liobn] = r.Table);
        Receive<Hcall>(h =>
        {
            if (_tables.TryGetValue(h.Call.Liobn, out var table)) table.Forward(h);
            else Sender.Tell(new HcallResult(h.CallId, HcallReturn.Parameter, h.Call.Liobn));
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new LiobnRouterActor());
}
