using Fabric.Persistence;
using Akka.Actor;
using Fabric.Batching;
using Akka.Persistence;
using Fabric.Container;
using Fabric.Ddw;
using Fabric.Eeh;
using Fabric.HostPe;
using Fabric.Iommufd;
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
    private readonly Dictionary<IActorRef, IActorRef> _hcallAnswers = new();

    public HostActor(string name, HostMemory memory, DurabilityMode durability)
    {
        _topology = new HostTopology(name, LiobnBindingConfig.From(Context.System.Settings.Config));
        _memory = memory;
        _durability = durability;
        _checker = Context.ActorOf(InvariantCheckerActor.Props(), "invariants");
        _topology.HardwareTcesInto = memory.HardwareTcesInto;
        _topology.DefaultGuestPeDesign = GuestPeDesignConfig.From(Context.System.Settings.Config);
        PersistenceId = $"host/{name}";

        Recover<HostRestarted>(r => _memory.Incarnation = r.Incarnation);
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
            // A start on a journal that holds the host is a new incarnation; the calls wait for its record.
            if (_recovered.Count > 0 && _durability != DurabilityMode.Off)
                Persist(new HostRestarted(name, _memory.Incarnation + 1), r => _memory.Incarnation = r.Incarnation);
            _recovered.Clear();
        });

        Command<PeStopping>(s => _restartingPes.TryAdd(s.Group, new()));
        Command<DeviceDma>(d =>
        {
            if (_restartingPes.TryGetValue(d.Group, out var held)) held.Add((d, Sender));
            else if (_pes.TryGetValue(d.Group, out var pe)) pe.Forward(d);
            else Sender.Tell(SetupResult.Fail(Errno.ENOENT, $"host {name} has no PE {d.Group}; add it with `pe host={name} id={d.Group}`"));
        });
        Command<RunHcall>(r => RunHcall(r, Sender));
        Command<HcallBatch>(b =>
        {
            var answers = HcallAnswers(Sender);
            foreach (var call in b.Calls) RunHcall(call, answers);
        });
        Command<GetInvariantReport>(r => _checker.Forward(r));
        Command<WhereIsHost>(_ => Sender.Tell(new HostLocation(name, ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString())));
        Command<GetPciHotResetInfo>(c => AnswerRecorded(c, VfioHotReset.Info(_topology, c), Sender));
        Command<GetIoasIovaRanges>(c => AnswerRecorded(c, IommufdIoctls.IovaRanges(_topology.Iommufd, c), Sender));
        Command<SdmdevDma>(OnSdmdevDma);
        Command<Terminated>(t =>
        {
            if (!ForgetHcallAnswers(t.ActorRef)) OnPeStopped(t);
        });
        Command<EehPeOpOnContainer>(OnEehPeOp);
        Command<EehInject>(OnEehInject);
        Command<GetGuestPeReport>(r => AskGuestPe(r, r.Vm, r.Id));
        Command<GuestPeRtasCall>(c =>
        {
            var (call, why) = GuestPeAddress.Resolve(_topology, c);
            if (call is null) AnswerRecorded(c, new GuestPeRtasAnswer(RtasStatus.ParamError, [], why), Sender);
            else AskGuestPe(call, call.Vm, call.Id);
        });
        Command<AnsweredLater>(a => AnswerRecorded(a.Command, a.Reply, a.ReplyTo));
        Command<IDdwRtasCall>(OnDdwRtas);
        Command<IHostCommand>(OnTopologyCommand);
    }

    public override string PersistenceId { get; }

    protected override SupervisorStrategy SupervisorStrategy() => FabricSupervision.Default;

    public static Props Props(string name, HostMemory memory, DurabilityMode durability) =>
        Akka.Actor.Props.Create(() => new HostActor(name, memory, durability));

    /// <summary>
    /// A call to a vCPU; a call of a batch (tagged) that names no VM or vCPU is refused here
    /// with its tag, as its answer must find its caller among the batch's.
    /// </summary>
    private void RunHcall(RunHcall r, IActorRef replyTo)
    {
        if (!_vms.TryGetValue(r.Vm, out var vm)) Refuse(SetupResult.Fail(Errno.ENOENT, $"host {_topology.Name} has no VM named {r.Vm}"));
        else if (r.Tag != 0 && _topology.Vms.TryGetValue(r.Vm, out var info) && (r.Vcpu < 0 || r.Vcpu >= info.Vcpus))
            Refuse(SetupResult.Fail(Errno.ENOENT, $"VM {r.Vm} has no vcpu {r.Vcpu} (it has {info.Vcpus})"));
        else vm.Tell(r, replyTo);

        void Refuse(SetupResult why) => replyTo.Tell(r.Tag == 0 ? why : new HcallRefused(r.Tag, why));
    }

    /// <summary>The actor that collects the answers owed to one sender of batches (started on its first batch).</summary>
    private IActorRef HcallAnswers(IActorRef sender)
    {
        if (_hcallAnswers.TryGetValue(sender, out var answers)) return answers;
        answers = Context.ActorOf(HcallAnswersActor.Props(sender));
        Context.Watch(answers);
        return _hcallAnswers[sender] = answers;
    }

    private bool ForgetHcallAnswers(IActorRef stopped)
    {
        foreach (var (sender, answers) in _hcallAnswers)
            if (answers.Equals(stopped)) return _hcallAnswers.Remove(sender);
        return false;
    }

    /// <summary>
    /// VFIO_EEH_PE_OP on a container: each group's PE in turn until one returns non-zero, as
    /// tce_iommu_ioctl does; the call waits for each PE (the ioctl is synchronous in the kernel), the host does not.
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
        AskPesInTurn(c, groups, new EehPeOpOnPe(c.Argsz, c.Flags, c.Op, c.Err), replyTo, async ask =>
        {
            foreach (var g in groups)
            {
                var done = await ask(g) as EehPeOpDone ?? new EehPeOpDone(g, -(long)Errno.EIO);
                if (done.Ret != 0) return EehContainerOp.Answer(done);
            }
            return EehContainerOp.Answer(null);
        });

        void Answer(SetupResult result) => AnswerRecorded(c, result, replyTo);
    }

    /// <summary>
    /// Asks host PEs one after another, as a synchronous ioctl waits for each, but off the
    /// mailbox: the host keeps routing hcalls and DMAs, and restarting a PE that crashes, while
    /// they answer (RunTask would hold all of that back). A PE that is gone or restarting (its
    /// journal refused a write) answers null rather than failing the host.
    /// </summary>
    private void AskPesInTurn(IHostCommand c, IEnumerable<int> groups, object message, IActorRef replyTo,
        Func<Func<int, Task<object?>>, Task<IFabricMessage>> run)
    {
        var pes = groups.ToDictionary(g => g, g => _pes.GetValueOrDefault(g));
        async Task<object?> Ask(int group)
        {
            if (pes[group] is not { } pe) return null;
            try
            {
                return await pe.Ask<object>(message, TimeSpan.FromSeconds(10));
            }
            catch (AskTimeoutException)
            {
                return null;
            }
        }
        run(Ask).PipeTo(Self,
            success: reply => new AnsweredLater(c, reply, replyTo),
            failure: e => new AnsweredLater(c, SetupResult.Fail(Errno.EIO, e.Message), replyTo));
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
        var where = c.Group is { } one ? $"PE {one}" : $"PHB {c.Phb}";
        object fault = c.Fault == EehFault.ResetFail
            ? new EehFailResets(c.Count, $"injected: the next {c.Count} resets of {where} fail")
            : new EehFreeze(c.Group is not null ? $"error injected into {where}" : $"{where} error");
        AskPesInTurn(c, groups, fault, replyTo, async ask =>
        {
            var missed = new List<int>();
            foreach (var g in groups)
                if (await ask(g) is not (EehFrozen or EehPeOpDone)) missed.Add(g);
            return missed.Count == 0 ? SetupResult.Ok
                : SetupResult.Fail(Errno.EIO, $"PE {string.Join(", ", missed)} did not answer (restarting); try again");
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

    /// <summary>
    /// A DDW RTAS call: journaled with its answer and the table events it causes; the VM stops the
    /// removed windows' tables and starts the new ones, then answers the guest.
    /// </summary>
    private void OnDdwRtas(IDdwRtasCall call)
    {
        var replyTo = Sender;
        var (answer, events) = DdwCalls.Decide(_topology, call);
        if (events.Length == 0)
        {
            AnswerRecorded(call, answer, replyTo);
            return;
        }
        void Done()
        {
            foreach (var e in events)
            {
                _topology.Apply(e);
                HostMemoryFold.Materialize(_memory, _topology, e);
                // The tables and their links are the VM's to carry out, in order; the rest is the host's.
                if (e is SpaprTceWindowCreated or SpaprTceWindowRemoved) CarryOut(e, replyTo, recovering: false);
                else foreach (var link in CheckerLinks.Of(_topology, e)) _checker.Tell(link);
            }
            var vm = _topology.Vms[call.Vm];
            _vms[call.Vm].Tell(new ChangeDmaWindows(
                [.. events.OfType<TceTableRemoved>().Select(r => r.Liobn)],
                [.. events.OfType<TceTableCreated>().Select(t => new StartTable(t, vm.Removals.GetValueOrDefault(t.Liobn)))],
                [.. events.Select(e => e switch
                {
                    GroupBound b => new LinkLiobn(b.Liobn, new LinkHardwareTable(b.Container, b.Window, b.Group)),
                    ContainerBound b => new LinkLiobn(b.Liobn, new LinkHardwareTable(b.Container, b.Window, -1)),
                    _ => null,
                }).OfType<LinkLiobn>()],
                answer), replyTo);
        }
        if (_durability == DurabilityMode.Off) Done();
        else PersistAll(events.Prepend(new HostCommandAnswered(_topology.Name, call, answer, events.Length)), e => { if (ReferenceEquals(e, events[^1])) Done(); });
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

    /// <summary>
    /// A guest PE's report, or an EEH RTAS call on it: answered by the guest PE, the command and
    /// its answer journaled (the host PEs journal what the call changed in them).
    /// </summary>
    private void AskGuestPe(IHostCommand c, string vm, int id)
    {
        var replyTo = Sender;
        if (!_guestPes.TryGetValue((vm, id), out var guestPe))
        {
            // An RTAS call for a PE the guest does not have is a parameter error (no PHB at the BUID).
            var why = $"VM {vm} has no guest PE {id}";
            AnswerRecorded(c, c is GuestPeRtasCall ? new GuestPeRtasAnswer(RtasStatus.ParamError, [], why) : SetupResult.Fail(Errno.ENOENT, why), replyTo);
            return;
        }
        // Not RunTask: the host goes on (it must restart a host PE that dies mid-step).
        guestPe.Ask<IFabricMessage>(c, TimeSpan.FromSeconds(20)).PipeTo(Self,
            success: reply => new AnsweredLater(c, reply, replyTo),
            failure: e => new AnsweredLater(c, c is GuestPeRtasCall
                ? new GuestPeRtasAnswer(RtasStatus.HwError, [], $"guest PE {vm}/{id} did not answer: {e.Message}")
                : SetupResult.Fail(Errno.EIO, $"guest PE {vm}/{id} did not answer: {e.Message}"), replyTo));
    }

    /// <summary>An answer the host waited for off its mailbox (a guest PE's, or its host PEs'), to journal and pass on.</summary>
    private sealed record AnsweredLater(IHostCommand Command, IFabricMessage Reply, IActorRef ReplyTo);

    /// <summary>A PE actor that stopped (its journal write failed) starts again, with its windows.</summary>
    private void OnPeStopped(Terminated t)
    {
        var group = _pes.FirstOrDefault(kv => kv.Value.Equals(t.ActorRef)).Key;
        if (!_pes.TryGetValue(group, out var pe) || !pe.Equals(t.ActorRef)) return;
        var info = _topology.Pes[group];
        StartPe(group, info.Phb);
        if (info.Container is { } id)
            _pes[group].Tell(new AttachWindows(_memory.TablesOf(id)));
        IommufdEffects.Fill(_topology, group, _pes);
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
                var owner = _topology.Vms[t.Vm];
                // Recovery starts only the tables that exist at its end: a removed window's journal is left as it is.
                if (!recovering || ReferenceEquals(owner.Tables.GetValueOrDefault(t.Liobn), t))
                    _vms[t.Vm].Tell(new StartTable(t, owner.Removals.GetValueOrDefault(t.Liobn)));
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
            // The container's PEs use its windows as they are now (set_window / unset_window).
            case SpaprTceWindowCreated w:
                foreach (var g in _topology.Containers[w.Container].Groups) _pes[g].Tell(new AttachWindows(_memory.TablesOf(w.Container)));
                break;
            case SpaprTceWindowRemoved r:
                foreach (var g in _topology.Containers[r.Container].Groups) _pes[g].Tell(new AttachWindows(_memory.TablesOf(r.Container)));
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
                var guestPe = Context.ActorOf(GuestPeActor.Props(_topology.Name, d.Vm, d.Id, d.Groups, d.Design, _checker), $"guest-pe-{d.Vm}-{d.Id}");
                _checker.Tell(new GuestPeObserved(_topology.Name, d.Vm, d.Id, d.Groups));
                _guestPes[(d.Vm, d.Id)] = guestPe;
                foreach (var g in d.Groups) _pes[g].Tell(new JoinGuestPe(guestPe));
                break;
            case IBindingEvent b:
                BindingEffects.CarryOut(b, _vms, replyTo, recovering);
                break;
            case IIommufdEvent i:
                IommufdEffects.CarryOut(_topology, i, _checker, _pes);
                break;
            case SdmdevMapped m:
                _checker.Tell(new PasidMapObserved(_topology.Name, m.ParentGroup, m.Pasid, m.Hpa, m.Size));
                break;
        }
    }
}
