using Fabric.Container;
using Fabric.Persistence;
using Akka.Actor;
using Fabric.Host;
using Fabric.LiobnRouter;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vcpu;

namespace Fabric.Vm;

/// <summary>Start (or accelerate) the table actor of a LIOBN; Removals: how many windows of the LIOBN were removed before.</summary>
public sealed record StartTable(TceTableCreated Created, int Removals = 0);

/// <summary>
/// A DDW RTAS call changed the guest's windows: the tables of Removed stop (each journals its
/// removal and clears its hardware first), then those of Started start and take the Links (a
/// VFIO-backed PHB's new windows), then the guest gets Answer.
/// </summary>
public sealed record ChangeDmaWindows(ulong[] Removed, StartTable[] Started, LinkLiobn[] Links, RtasAnswer Answer);

/// <summary>Hand a link request to the table of a LIOBN.</summary>
public sealed record LinkLiobn(ulong Liobn, LinkHardwareTable Link);

/// <summary>
/// One guest: its RAM (host memory), its vCPUs, its LIOBN router and its TCE tables. Its
/// topology is journaled by the host; the tables journal their own state.
/// </summary>
public sealed class VmActor : ReceiveActor, IWithUnboundedStash
{
    private readonly Dictionary<ulong, IActorRef> _tables = new();
    // Each table's start, and its progress, which outlives its incarnations (TableProgress): a new window, a new one.
    private readonly Dictionary<ulong, (StartTable Start, TableProgress Progress)> _started = new();
    private readonly HashSet<ulong> _removing = new();
    private (ChangeDmaWindows Change, IActorRef ReplyTo)? _changing;
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
            .Select(i => Context.ActorOf(VcpuActor.Props(i, router, () => memory.Incarnation), $"vcpu-{i}"))
            .ToArray();

        // While windows change, what concerns tables waits: a LIOBN's new table starts only
        // once its old one has stopped, since both use one journal.
        Receive<StartTable>(s =>
        {
            if (_changing is not null) Stash.Stash();
            else Start(s);
        });
        Receive<ChangeDmaWindows>(c =>
        {
            if (_changing is not null)
            {
                Stash.Stash();
                return;
            }
            _changing = (c, Sender);
            foreach (var liobn in c.Removed)
            {
                if (!_tables.TryGetValue(liobn, out var table)) continue;
                router.Tell(new UnrouteLiobn(liobn));
                _removing.Add(liobn);
                table.Tell(RemoveTable.Instance);
            }
            FinishChange();
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
            if (_removing.Remove(liobn))
            {
                _tables.Remove(liobn);
                _started.Remove(liobn);
                checker.Tell(new TableRemovedObserved(created.Name, liobn));
                FinishChange();
            }
            else if (_failing.ContainsKey(liobn)) Restart(liobn, reported: false);
            // Stopped for good (it kept crashing): its calls get H_HARDWARE rather than no answer.
            else _router.Tell(new RouteLiobn(liobn, ActorRefs.Nobody));
        });
        Receive<LinkLiobn>(l =>
        {
            if (_changing is not null) Stash.Stash();
            else if (_tables.TryGetValue(l.Liobn, out var table)) table.Forward(l.Link);
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

    public IStash Stash { get; set; } = null!;

    private void Start(StartTable s)
    {
        var e = s.Created;
        if (_tables.TryGetValue(e.Liobn, out var existing))
        {
            existing.Tell(e);
            return;
        }
        _started[e.Liobn] = (s, new TableProgress(e.Vm, e.Liobn));
        StartTableActor(e.Liobn);
        _checker.Tell(new TableObserved(e.Vm, e.Liobn, e.PageShift, e.Offset, e.Size));
    }

    /// <summary>Once every removed table has stopped, the new ones start and the guest is answered.</summary>
    private void FinishChange()
    {
        if (_changing is not { } c || _removing.Count > 0) return;
        _changing = null;
        foreach (var s in c.Change.Started) Start(s);
        // Sent before the answer, so each table links before any call of the guest reaches it.
        foreach (var l in c.Change.Links) _tables[l.Liobn].Tell(l.Link, ActorRefs.Nobody);
        c.ReplyTo.Tell(c.Change.Answer);
        Stash.UnstashAll();
    }

    private void StartTableActor(ulong liobn)
    {
        var (s, progress) = _started[liobn];
        var table = Context.Watch(Context.ActorOf(TceTableActor.Props(s.Created, _memory, _checker, _durability, progress, s.Removals), $"tce-{liobn:x}"));
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
