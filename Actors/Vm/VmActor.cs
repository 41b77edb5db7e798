using Fabric.Persistence;
using Akka.Actor;
using Fabric.Host;
using Fabric.LiobnRouter;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vcpu;

namespace Fabric.Vm;

/// <summary>Start (or accelerate) the table actor of a LIOBN.</summary>
public sealed record StartTable(TceTableCreated Created);

/// <summary>Hand a link request to the table of a LIOBN.</summary>
public sealed record LinkLiobn(ulong Liobn, LinkHardwareTable Link);

/// <summary>
/// One guest: its RAM (host memory), its vCPUs, its LIOBN router and its TCE tables. Its
/// topology is journaled by the host; the tables journal their own state.
/// </summary>
public sealed class VmActor : ReceiveActor
{
    private readonly Dictionary<ulong, IActorRef> _tables = new();
    private readonly Dictionary<ulong, TceTableCreated> _created = new();
    private readonly Dictionary<ulong, (bool Reported, bool Terminated)> _failing = new();
    private readonly IActorRef[] _vcpus;
    private readonly HostMemory _memory;
    private readonly IActorRef _checker;
    private readonly DurabilityMode _durability;
    private readonly IActorRef _router;

    public VmActor(VmCreated created, HostMemory memory, IActorRef checker, DurabilityMode durability)
    {
        _memory = memory;
        _checker = checker;
        _durability = durability;
        var router = _router = Context.ActorOf(LiobnRouterActor.Props(), "liobns");
        _vcpus = Enumerable.Range(0, created.Vcpus)
            .Select(i => Context.ActorOf(VcpuActor.Props(i, router), $"vcpu-{i}"))
            .ToArray();

        Receive<StartTable>(s =>
        {
            var e = s.Created;
            if (_tables.TryGetValue(e.Liobn, out var existing))
            {
                existing.Tell(e);
                return;
            }
            _created[e.Liobn] = e;
            StartTableActor(e.Liobn);
            checker.Tell(new TableObserved(e.Vm, e.Liobn, e.PageShift, e.Offset, e.Size));
        });
        Receive<TableFailed>(f =>
        {
            var liobn = f.Created.Liobn;
            if (!f.Restarting)
            {
                router.Tell(new SuspendLiobn(liobn));
                _failing[liobn] = (false, false);
            }
            Context.ActorOf(TableFailureReporter.Props(f, memory, checker, Self));
        });
        Receive<TableFailureReported>(r => Restart(r.Liobn, reported: true));
        Receive<Terminated>(t =>
        {
            var liobn = _tables.FirstOrDefault(kv => kv.Value.Equals(t.ActorRef)).Key;
            if (!_tables.TryGetValue(liobn, out var table) || !table.Equals(t.ActorRef)) return;
            if (_failing.ContainsKey(liobn)) Restart(liobn, reported: false);
            // Stopped for good (it kept crashing): its calls get H_HARDWARE rather than no answer.
            else _router.Tell(new RouteLiobn(liobn, ActorRefs.Nobody));
        });
        Receive<LinkLiobn>(l =>
        {
            if (_tables.TryGetValue(l.Liobn, out var table)) table.Forward(l.Link);
            else Sender.Tell(SetupResult.Fail(Errno.EBADF, $"no table for LIOBN 0x{l.Liobn:x}"));
        });
        Receive<UnlinkLiobn>(u =>
        {
            if (_tables.TryGetValue(u.Liobn, out var table)) table.Forward(u.Unlink);
            else Sender.Tell(SetupResult.Fail(Errno.EBADF, $"no table for LIOBN 0x{u.Liobn:x}"));
        });
        Receive<RunHcall>(r =>
        {
            if (r.Vcpu >= 0 && r.Vcpu < _vcpus.Length) _vcpus[r.Vcpu].Forward(r);
            else Sender.Tell(SetupResult.Fail(Errno.ENOENT, $"VM {created.Name} has no vcpu {r.Vcpu} (it has {_vcpus.Length})"));
        });
    }

    /// <summary>
    /// A crashed table or vCPU restarts and recovers from its journal, even when it was killed
    /// on purpose (Akka's default stops a killed actor); one that crashes more than
    /// fabric.supervision.max-restarts times within fabric.supervision.within is stopped rather
    /// than left in a restart loop. Injected crashes (fabric run's chaos) are not bugs, so they
    /// do not count towards the limit.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => FabricSupervision.Strategy(Context.System.Settings.Config);

    private void StartTableActor(ulong liobn)
    {
        var table = Context.Watch(Context.ActorOf(TceTableActor.Props(_created[liobn], _memory, _checker, _durability), $"tce-{liobn:x}"));
        _tables[liobn] = table;
        _router.Tell(new RouteLiobn(liobn, table));
    }

    /// <summary>A failed table starts again once it has stopped and its reporter has answered for it.</summary>
    private void Restart(ulong liobn, bool reported)
    {
        if (!_failing.TryGetValue(liobn, out var state)) return;
        state = reported ? state with { Reported = true } : state with { Terminated = true };
        _failing[liobn] = state;
        if (!state.Reported || !state.Terminated) return;
        _failing.Remove(liobn);
        StartTableActor(liobn);
    }

    public static Props Props(VmCreated created, HostMemory memory, IActorRef checker, DurabilityMode durability) =>
        Akka.Actor.Props.Create(() => new VmActor(created, memory, checker, durability));
}
