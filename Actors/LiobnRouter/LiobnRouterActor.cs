using Akka.Actor;
using Fabric.Messages;

namespace Fabric.LiobnRouter;

/// <summary>Registers the table actor that answers for a LIOBN.</summary>
public sealed record RouteLiobn(ulong Liobn, IActorRef Table);

/// <summary>The LIOBN's window is gone: its calls get what an unknown LIOBN gets.</summary>
public sealed record UnrouteLiobn(ulong Liobn);

/// <summary>Hold the calls for a LIOBN until its table is routed again (it is restarting).</summary>
public sealed record SuspendLiobn(ulong Liobn);

/// <summary>
/// A VM's LIOBN -> table map. A table that is gone for good (routed to Nobody) answers H_HARDWARE. A LIOBN neither KVM nor QEMU knows gets what the composition
/// gives it: KVM's H_TOO_HARD, then QEMU's H_PARAMETER; R4 stays as the guest set it.
/// </summary>
public sealed class LiobnRouterActor : ReceiveActor
{
    private readonly Dictionary<ulong, IActorRef> _tables = new();
    private readonly Dictionary<ulong, List<(Hcall Call, IActorRef Caller)>> _held = new();

    public LiobnRouterActor()
    {
        Receive<RouteLiobn>(r =>
        {
            _tables[r.Liobn] = r.Table;
            if (_held.Remove(r.Liobn, out var held))
                foreach (var (call, caller) in held) r.Table.Tell(call, caller);
        });
        Receive<UnrouteLiobn>(u => _tables.Remove(u.Liobn));
        Receive<SuspendLiobn>(s => _held.TryAdd(s.Liobn, new()));
        Receive<Hcall>(h =>
        {
            if (_held.TryGetValue(h.Call.Liobn, out var held)) held.Add((h, Sender));
            else if (_tables.TryGetValue(h.Call.Liobn, out var table) && table.IsNobody())
                Sender.Tell(new HcallResult(h.CallId, HcallReturn.Hardware, h.Call.Liobn));
            else if (table is not null) table.Forward(h);
            else Sender.Tell(new HcallResult(h.CallId, HcallReturn.Parameter, h.Call.Liobn));
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new LiobnRouterActor());
}
