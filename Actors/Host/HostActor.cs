using Fabric.Persistence;
using Akka.Actor;
using Akka.Persistence;
using Fabric.Container;
using Fabric.Eeh;
using Fabric.HostPe;
using Fabric.Invariants;
using Fabric.Kvm;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vfio;
using Fabric.Vm;

namespace Fabric.Host;

/// <summary>
/// One physical host: the parent of its PEs, its guests and its invariant checker, and the
/// journal of its topology (host/&lt;name&gt;). A command is decided by <see cref="HostTopology"/>,
/// journaled, applied, and then carried out on the actors; recovery carries out the same
/// events in order, so a restarted host rebuilds the same tree.
/// </summary>
public sealed class HostActor : ReceivePersistentActor
{
    private readonly HostTopology _topology;
    private readonly HostMemory _memory;
    private readonly DurabilityMode _durability;
    private readonly IActorRef _checker;
    private readonly Dictionary<string, IActorRef> _vms = new();
    private readonly Dictionary<int, IActorRef> _pes = new();
    private readonly List<IFabricEvent> _recovered = new();
    private readonly Dictionary<int, List<(DeviceDma Dma, IActorRef Caller)>> _restartingPes = new();

    public HostActor(string name, HostMemory memory, DurabilityMode durability)
    {
        _topology = new HostTopology(name, LiobnBindingConfig.From(Context.System.Settings.Config));
        _memory = memory;
        _durability = durability;
        _checker = Context.ActorOf(InvariantCheckerActor.Props(), "invariants");
        _topology.HardwareTcesInto = memory.HardwareTcesInto;
        PersistenceId = $"host/{name}";

        Recover<IFabricEvent>(e =>
        {
            _topology.Apply(e);
            _recovered.Add(e);
        });
        Recover<RecoveryCompleted>(_ =>
        {
            // Memory first (RAM, hardware tables), so actors that recover in parallel find it.
            foreach (var e in _recovered) HostMemoryFold.Materialize(_memory, _topology, e);
            foreach (var e in _recovered) CarryOut(e, ActorRefs.Nobody, recovering: true);
            _recovered.Clear();
        });

        Command<PeStopping>(s => _restartingPes.TryAdd(s.Group, new()));
        Command<DeviceDma>(d =>
        {
            if (_restartingPes.TryGetValue(d.Group, out var held)) held.Add((d, Sender));
            else if (_pes.TryGetValue(d.Group, out var pe)) pe.Forward(d);
            else Sender.Tell(SetupResult.Fail(Errno.ENOENT, $"host {name} has no PE {d.Group}; add it with `pe host={name} id={d.Group}`"));
        });
        Command<RunHcall>(r =>
        {
            if (_vms.TryGetValue(r.Vm, out var vm)) vm.Forward(r);
            else Sender.Tell(SetupResult.Fail(Errno.ENOENT, $"host {name} has no VM named {r.Vm}"));
        });
        Command<GetInvariantReport>(r => _checker.Forward(r));
        Command<GetPciHotResetInfo>(c => AnswerRecorded(c, VfioHotReset.Info(_topology, c), Sender));
        Command<SdmdevDma>(OnSdmdevDma);
        Command<Terminated>(OnPeStopped);
        Command<EehPeOpOnContainer>(OnEehPeOp);
        Command<EehInject>(OnEehInject);
        Command<GetGuestPeReport>(OnGuestPeReport);
        Command<IHostCommand>(OnTopologyCommand);
    }

    public override string PersistenceId { get; }

    protected override SupervisorStrategy SupervisorStrategy() => FabricSupervision.Default;

    public static Props Props(string name, HostMemory memory, DurabilityMode durability) =>
        Akka.Actor.Props.Create(() => new HostActor(name, memory, durability));

    /// <summary>
    /// VFIO_EEH_PE_OP on a container: each group's PE in turn until one returns non-zero, as
    /// tce_iommu_ioctl does; the host waits for each PE (the ioctl is synchronous in the kernel).
    /// </summary>
    private void OnEehPeOp(EehPeOpOnContainer c)
    {
        var replyTo = Sender;
        var (refused, groups) = EehContainerOp.Groups(_topology, c);
        if (refused is not null)
        {
            Answer(refused);
            return;
        }
        RunTask(async () =>
        {
            EehPeOpDone? stop = null;
            foreach (var g in groups)
            {
                var done = await AskPe(g, new EehPeOpOnPe(c.Argsz, c.Flags, c.Op, c.Err), r => r as EehPeOpDone) ?? new EehPeOpDone(g, -(long)Errno.EIO);
                if (done.Ret != 0)
                {
                    stop = done;
                    break;
                }
            }
            Answer(EehContainerOp.Answer(stop));
        });

        void Answer(SetupResult result) => AnswerRecorded(c, result, replyTo);
    }

    /// <summary>
    /// Asks a host PE and waits, as a synchronous ioctl does; a PE that is gone or restarting
    /// (its journal refused a write) gives null rather than failing the host.
    /// </summary>
    private async Task<T?> AskPe<T>(int group, object message, Func<object, T?> reply) where T : class
    {
        if (!_pes.TryGetValue(group, out var pe)) return null;
        try
        {
            return reply(await pe.Ask<object>(message, TimeSpan.FromSeconds(10)));
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    /// <summary>An injected PHB error: the PE, or every PE under the PHB, frozen before the answer.</summary>
    private void OnEehInject(EehInject c)
    {
        var replyTo = Sender;
        var groups = c switch
        {
            { Group: { } g, Phb: null } => _topology.Pes.ContainsKey(g) ? [g] : Array.Empty<int>(),
            { Phb: { } phb, Group: null } => _topology.Pes.Values.Where(p => p.Phb == phb).Select(p => p.Group).Order().ToArray(),
            _ => [],
        };
        if (groups.Length == 0)
        {
            Answer(SetupResult.Fail(Errno.ENOENT, c.Group is { } g0 ? $"host {_topology.Name} has no PE {g0}" : $"host {_topology.Name} has no PE under PHB {c.Phb}"));
            return;
        }
        var cause = c.Group is { } one ? $"error injected into PE {one}" : $"PHB {c.Phb} error";
        RunTask(async () =>
        {
            var missed = new List<int>();
            foreach (var g in groups)
                if (await AskPe(g, new EehFreeze(cause), r => r as EehFrozen) is null) missed.Add(g);
            Answer(missed.Count == 0 ? SetupResult.Ok : SetupResult.Fail(Errno.EIO, $"PE {string.Join(", ", missed)} did not answer (restarting); try again"));
        });

        void Answer(SetupResult result) => AnswerRecorded(c, result, replyTo);
    }

    /// <summary>Answers a command that changed nothing, after its record is in the journal (when there is one).</summary>
    private void AnswerRecorded(IHostCommand command, IFabricMessage reply, IActorRef replyTo)
    {
        if (_durability == DurabilityMode.Off) replyTo.Tell(reply);
        else Persist(new HostCommandAnswered(_topology.Name, command, reply, 0), _ => replyTo.Tell(reply));
    }

    private void OnTopologyCommand(IHostCommand command)
    {
        var (result, events) = _topology.Decide(command);
        var replyTo = Sender;
        var recorded = _durability != DurabilityMode.Off && HostCommandAnswered.Records(command);
        if (!result.Succeeded || events.Length == 0)
        {
            if (recorded) AnswerRecorded(command, result, replyTo);
            else replyTo.Tell(result);
            return;
        }
        void Done(IFabricEvent e)
        {
            _topology.Apply(e);
            HostMemoryFold.Materialize(_memory, _topology, e);
            CarryOut(e, replyTo, recovering: false);
            // A bind is answered by the table once its hardware mirror is in place (the events
            // after its link, such as the PEs' new owner, do not make the host answer first).
            if (ReferenceEquals(e, events[^1]) && !events.Any(BindingEffects.TableAnswers)) replyTo.Tell(result);
        }
        if (_durability == DurabilityMode.Off)
            foreach (var e in events) Done(e);
        else if (recorded)
            PersistAll(events.Prepend(new HostCommandAnswered(_topology.Name, command, result, events.Length)),
                e => { if (e is not HostCommandAnswered) Done(e); });
        else
            PersistAll(events, Done);
    }

    /// <summary>The parent device DMAs for an mdev: translated in its shared domain, checked, answered.</summary>
    private void OnSdmdevDma(SdmdevDma d)
    {
        if (SharedDomainMdev.Translate(_topology.SharedDomains, d.MdevGroup, d.Iova) is not { } t)
        {
            Sender.Tell(SetupResult.Fail(Errno.ENOENT, $"mdev group {d.MdevGroup} shares no domain; attach it first"));
            return;
        }
        _checker.Tell(new PasidDmaObserved(_topology.Name, t.ParentGroup, t.Pasid, d.Iova, d.Direction, t.Result));
        Sender.Tell(t.Result);
    }

    private void StartPe(int group, int phb)
    {
        _pes[group] = Context.Watch(Context.ActorOf(HostPeActor.Props(_memory, group, phb, _checker, _durability), $"pe-{phb}.{group}"));
        foreach (var ((vm, id), groups) in _topology.GuestPes)
            if (groups.Contains(group) && _guestPes.TryGetValue((vm, id), out var guestPe)) _pes[group].Tell(new JoinGuestPe(guestPe));
    }

    private readonly Dictionary<(string Vm, int Id), IActorRef> _guestPes = new();

    /// <summary>The guest PE's EEH events and its host PEs' states, as a query the journal records.</summary>
    private void OnGuestPeReport(GetGuestPeReport r)
    {
        var replyTo = Sender;
        if (!_guestPes.TryGetValue((r.Vm, r.Id), out var guestPe))
        {
            AnswerRecorded(r, SetupResult.Fail(Errno.ENOENT, $"VM {r.Vm} has no guest PE {r.Id}"), replyTo);
            return;
        }
        RunTask(async () =>
        {
            AnswerRecorded(r, await guestPe.Ask<GuestPeReport>(r, TimeSpan.FromSeconds(10)), replyTo);
        });
    }

    /// <summary>A PE actor that stopped (its journal write failed) starts again, with its windows.</summary>
    private void OnPeStopped(Terminated t)
    {
        var group = _pes.FirstOrDefault(kv => kv.Value.Equals(t.ActorRef)).Key;
        if (!_pes.TryGetValue(group, out var pe) || !pe.Equals(t.ActorRef)) return;
        var info = _topology.Pes[group];
        StartPe(group, info.Phb);
        if (info.Container is { } id)
            _pes[group].Tell(new AttachWindows(_memory.TablesOf(id)));
        if (_restartingPes.Remove(group, out var held))
            foreach (var (dma, caller) in held) _pes[group].Tell(dma, caller);
    }

    /// <summary>What an event asks of the actors. On recovery the tables and PEs already have their own journals.</summary>
    private void CarryOut(IFabricEvent e, IActorRef replyTo, bool recovering)
    {
        foreach (var link in CheckerLinks.Of(_topology, e)) _checker.Tell(link);
        switch (e)
        {
            case VmCreated v:
                _vms[v.Name] = Context.ActorOf(VmActor.Props(v, _memory, _checker, _durability), $"vm-{v.Name}");
                _checker.Tell(new VmObserved(v.Name, v.HostBase, v.RamBytes));
                break;
            case TceTableCreated t:
                _vms[t.Vm].Tell(new StartTable(t));
                break;
            case HostPeAdded p:
                StartPe(p.Group, p.Phb);
                break;
            case ContainerCreated c:
                var tables = _memory.TablesOf(c.Id);
                foreach (var g in c.Groups) _pes[g].Tell(new AttachWindows(tables));
                break;
            case VfioIommuSet s:
                foreach (var g in s.Groups) _pes[g].Tell(new AttachWindows(_memory.TablesOf(s.Container)));
                break;
            case VfioGroupAttached a:
                // A group joining a container that has a driver uses its tables at once, and with
                // them the guest mappings of every LIOBN they mirror.
                _pes[a.Group].Tell(new AttachWindows(_memory.TablesOf(a.Container)));
                break;
            case VfioGroupDetached d:
                // The PE gets its own table instead of the container's; its TCE cache is flushed with them.
                _pes[d.Group].Tell(new AttachWindows([HostDefaultWindow.For(d.Group)]));
                break;
            case GroupBound b:
                if (!recovering)
                    _vms[b.Vm].Tell(new LinkLiobn(b.Liobn, new LinkHardwareTable(b.Container, b.Window, b.Group)), replyTo);
                break;
            case PeOwnerChanged o:
                _pes[o.Group].Tell(o);
                break;
            case GuestPeDefined d:
                var guestPe = Context.ActorOf(GuestPeActor.Props(_topology.Name, d.Vm, d.Id, d.Groups), $"guest-pe-{d.Vm}-{d.Id}");
                _guestPes[(d.Vm, d.Id)] = guestPe;
                foreach (var g in d.Groups) _pes[g].Tell(new JoinGuestPe(guestPe));
                break;
            case IBindingEvent b:
                BindingEffects.CarryOut(b, _vms, replyTo, recovering);
                break;
            case SdmdevMapped m:
                _checker.Tell(new PasidMapObserved(_topology.Name, m.ParentGroup, m.Pasid, m.Hpa, m.Size));
                break;
        }
    }
}
