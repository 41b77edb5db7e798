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
    private readonly IActorRef[] _vcpus;

    public VmActor(VmCreated created, HostMemory memory, IActorRef checker, DurabilityMode durability)
    {
        var router = Context.ActorOf(LiobnRouterActor.Props(), "liobns");
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
            var table = Context.ActorOf(TceTableActor.Props(e, memory, checker, durability), $"tce-{e.Liobn:x}");
            _tables[e.Liobn] = table;
            router.Tell(new RouteLiobn(e.Liobn, table));
            checker.Tell(new TableObserved(e.Vm, e.Liobn, e.PageShift, e.Offset, e.Size));
        });
        Receive<LinkLiobn>(l =>
        {
            if (_tables.TryGetValue(l.Liobn, out var table)) table.Forward(l.Link);
            else Sender.Tell(SetupResult.Fail(Errno.EBADF, $"no table for LIOBN 0x{l.Liobn:x}"));
        });
        Receive<RunHcall>(r =>
        {
            if (r.Vcpu >= 0 && r.Vcpu < _vcpus.Length) _vcpus[r.Vcpu].Forward(r);
            else Sender.Tell(SetupResult.Fail(Errno.ENOENT, $"VM {created.Name} has no vcpu {r.Vcpu} (it has {_vcpus.Length})"));
        });
    }

    /// <summary>
    /// A crashed table or vCPU restarts and recovers from its journal, even when it was killed
    /// on purpose (Akka's default stops a killed actor); one that crashes more than 10 times a
    /// minute is stopped rather than left in a restart loop.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(10, TimeSpan.FromMinutes(1), ex => ex switch
        {
            ActorInitializationException => Directive.Stop,
            _ => Directive.Restart,
        });

    public static Props Props(VmCreated created, HostMemory memory, IActorRef checker, DurabilityMode durability) =>
        Akka.Actor.Props.Create(() => new VmActor(created, memory, checker, durability));
}
