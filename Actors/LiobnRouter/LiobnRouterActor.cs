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
    private readonly Dictionary<ulong, IActorRef> _tables;
    private readonly Dictionary<ulong, List<(Hcall Call, IActorRef Caller)>> _held;

    /// <param name="routes">The VM's routes, kept by the VM so a restarted router still knows them.</param>
    public LiobnRouterActor(LiobnRoutes routes)
    {
        _tables = routes.Tables;
        _held = routes.Held;
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
            if (h.Hops is { } hops) hops.Routed = System.Diagnostics.Stopwatch.GetTimestamp();
            if (_held.TryGetValue(h.Call.Liobn, out var held)) held.Add((h, Sender));
            else if (_tables.TryGetValue(h.Call.Liobn, out var table) && table.IsNobody())
                Sender.Tell(new HcallResult(h.CallId, HcallReturn.Hardware, h.Call.Liobn));
            else if (table is not null) table.Forward(h);
            else Sender.Tell(new HcallResult(h.CallId, HcallReturn.Parameter, h.Call.Liobn));
        });
    }

    /// <summary>A fault injection (fabric run's crash fault) crashes the router whatever it is doing.</summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        message is InjectedCrash ? throw new InjectedCrashException(Self.Path.ToString()) : base.AroundReceive(receive, message);

    public static Props Props(LiobnRoutes? routes = null)
    {
        var kept = routes ?? new LiobnRoutes();
        return Akka.Actor.Props.Create(() => new LiobnRouterActor(kept));
    }
}

/// <summary>A router's state, owned by its VM: which table answers each LIOBN, and the calls held for a restarting one.</summary>
public sealed class LiobnRoutes
{
    public Dictionary<ulong, IActorRef> Tables { get; } = new();
    public Dictionary<ulong, List<(Hcall Call, IActorRef Caller)>> Held { get; } = new();
}
