using Fabric.Persistence;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Fabric.Container;
using Fabric.Eeh;
using Fabric.Host;
using Fabric.Iommufd;
using Fabric.KillRegister;
using Fabric.Messages;

namespace Fabric.HostPe;

/// <summary>The PE's group now uses these hardware windows, none when it left its container (local: carries host memory).</summary>
public sealed record AttachWindows(HardwareTceTable[] Windows);

/// <summary>The PE's device is attached to an IOAS: its DMAs translate through this domain; null when it left (local: carries the areas).</summary>
public sealed record UseIoasDomain(IoasDomainView? Domain);

/// <summary>The PE's journal refused a write and Akka is stopping it: hold its DMAs until it is back.</summary>
public sealed record PeStopping(int Group);

/// <summary>
/// One host PE (an IOMMU group): its DMA engine, its TCE cache and, as a child, its kill
/// register. Ownership is journaled under the physical PE's name (pe/&lt;host&gt;/&lt;phb&gt;.&lt;pe&gt;),
/// not the actor path, so it survives a move.
/// </summary>
public sealed class HostPeActor : ReceivePersistentActor
{
    private readonly string _host;
    private readonly int _group;
    private readonly IActorRef _checker;
    private readonly DurabilityMode _durability;
    private readonly TceCache _cache = new();
    private HardwareTceTable[] _windows = [];
    private IoasDomainView? _ioasDomain;
    private string? _owner;
    private readonly Queue<(IActorRef ReplyTo, DmaResult Result)> _unjournaledDmas = new();
    private readonly EehPolicy _eehPolicy;
    private HostPeEeh _eeh = HostPeEeh.Normal;
    private readonly HostPeLinks _links;
    private bool _restarted;

    private readonly HostMemory _memory;

    public HostPeActor(HostMemory memory, int group, int phb, IActorRef checker, DurabilityMode durability, HostPeLinks links)
    {
        _memory = memory;
        _links = links;
        _windows = links.Windows;
        _ioasDomain = links.IoasDomain;
        var host = memory.Host;
        _host = host;
        _group = group;
        _checker = checker;
        _durability = durability;
        PersistenceId = $"pe/{host}/{phb}.{group}";

        _snapshotEvery = Context.System.Settings.Config.GetLong("fabric.pe-snapshot-every", 1000);
        Recover<SnapshotOffer>(o =>
        {
            var s = (HostPeSnapshot)o.Snapshot;
            _owner = s.Owner;
            _eeh = s.Eeh;
        });
        Recover<PeOwnerChanged>(e =>
        {
            _owner = e.Vm;
            _sinceSnapshot++;
        });
        Recover<DmaCompleted>(_ => _sinceSnapshot++);
        Recover<IoasDmaCompleted>(_ => _sinceSnapshot++);
        Recover<PeEehChanged>(e =>
        {
            _eeh = e.State;
            _sinceSnapshot++;
        });
        Recover<RecoveryCompleted>(_ =>
        {
            if (_eeh != HostPeEeh.Normal) _checker.Tell(new PeEehObserved(_host, _group, _eeh, BySiblings: false));
            if (_restarted) RejoinGuestPe();
        });
        _eehPolicy = EehPolicy.From(Context.System.Settings.Config);

        Command<DeviceDma>(OnDma);
        Command<EehPeOpOnPe>(OnEehOp);
        Command<EehFreeze>(f =>
        {
            var replyTo = Sender;
            var frozen = _eehPolicy.Freeze(_eeh, Now);
            if (f.GiveUp) frozen = frozen.GiveUp();
            if (frozen == _eeh) replyTo.Tell(new EehFrozen(_group));
            else ChangeEeh(frozen, f.Cause, () => replyTo.Tell(new EehFrozen(_group)), f.BySiblings);
        });
        Command<EehFence>(f => ChangeOrAnswer(_eeh.Fence(), f.Cause, bySiblings: true));
        Command<EehFailResets>(f => ChangeOrAnswer(_eeh with { ResetFaults = _eeh.ResetFaults + f.Count }, f.Cause, bySiblings: false));
        Command<JoinGuestPe>(j =>
        {
            _links.GuestPe = j.GuestPe;
            j.GuestPe.Tell(new GuestPeMember(_group));
            // A PE that comes back frozen (it crashed mid-freeze) brings its siblings along.
            j.GuestPe.Tell(new HostPeEehReported(_group, _eeh, BySiblings: false));
        });
        Command<AttachWindows>(a =>
        {
            // Changing tables invalidates the whole TCE cache (pnv_pci_ioda2_tce_invalidate_pe).
            _windows = _links.Windows = a.Windows;
            _cache.InvalidateAll();
        });
        Command<UseIoasDomain>(u => _ioasDomain = _links.IoasDomain = u.Domain);
        Command<PeOwnerChanged>(e =>
        {
            if (e.Vm == _owner) return;
            if (_durability == DurabilityMode.Off) _owner = e.Vm;
            // Not Persist: a stashing write that the journal refuses would drop the DMAs stashed behind it.
            else Record(e, ev => _owner = ev.Vm);
        });
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => Context.GetLogger().Warning("snapshot of {0} failed: {1}", PersistenceId, f.Cause.Message));
    }

    // Snapshots: a PE journals every DMA, and a restart would otherwise read them all back.
    private readonly long _snapshotEvery;
    private long _sinceSnapshot;
    private int _writesInFlight;

    /// <summary>Persists an event; once the journal holds every event written so far, snapshots if it is time.</summary>
    private void Record<TEvent>(TEvent e, Action<TEvent> then)
    {
        _writesInFlight++;
        void Done(TEvent ev)
        {
            _writesInFlight--;
            _sinceSnapshot++;
            then(ev);
            // Only when no write is in flight: Akka snapshots at the last sequence number it
            // handed out, and a snapshot past an event the journal then refused would leave a gap.
            if (_writesInFlight == 0 && _sinceSnapshot >= _snapshotEvery) TakeSnapshot();
        }
        PersistAsync(e, Done);
    }

    private void TakeSnapshot()
    {
        SaveSnapshot(new HostPeSnapshot(_owner, _eeh));
        _sinceSnapshot = 0;
    }

    public override string PersistenceId { get; }

    /// <summary>
    /// A fault injection (fabric run's crash fault) crashes the PE whatever it is doing, except
    /// recovering: then it is absorbed (InjectedCrashAbsorbed), as the PE is down already (a
    /// restart in mid-recovery would keep the recovery permit it holds, and with enough of them
    /// no persistent actor could recover at all).
    /// A kill is answered at once, even while the PE recovers: the TCE cache is the PHB's, not
    /// journaled, and the incarnation that recovers starts with it empty, so there is nothing to
    /// wait for. (Stashed behind a recovery, every kill to a PE that restarts often waited for
    /// its journal, and so did each call whose kills it held: with host PEs crashed every 10 ms
    /// on SQLite, 28 calls/s.)
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        switch (message)
        {
            case InjectedCrash when IsRecovering:
                return InjectedCrashes.Absorb(Context);
            case InjectedCrash:
                throw new InjectedCrashException(Self.Path.ToString());
            case InvalidateTceCache k:
                _cache.Invalidate(k.Table, k.FirstEntry, k.Count);
                Sender.Tell(new TceKilled(_group, k.Token));
                return true;
            default:
                return base.AroundReceive(receive, message);
        }
    }

    protected override SupervisorStrategy SupervisorStrategy() => FabricSupervision.Default;

    public static Props Props(HostMemory memory, int group, int phb, IActorRef checker, DurabilityMode durability)
    {
        var links = new HostPeLinks();
        return Akka.Actor.Props.Create(() => new HostPeActor(memory, group, phb, checker, durability, links));
    }

    protected override void PostRestart(Exception reason)
    {
        _restarted = true;
        base.PostRestart(reason);
    }

    /// <summary>
    /// Back from a crash with its state from its journal, before it handles anything else: the
    /// guest PE counts what this PE owed it as failed (the reply may be lost) and brings it to its
    /// siblings' state.
    /// </summary>
    private void RejoinGuestPe()
    {
        if (_links.GuestPe is not { } guestPe) return;
        guestPe.Tell(new GuestPeMember(_group, Restarted: true));
        guestPe.Tell(new HostPeEehReported(_group, _eeh, BySiblings: false));
    }

    protected override void PreStart()
    {
        var kill = Context.ActorOf(KillRegisterActor.Props(_cache.Slots, _group, () => _memory.KillFaults), "kill");
        _memory.KillRegisters[_group] = kill;
        base.PreStart();
    }

    /// <summary>The PHB's clock for the freeze window: wall time, as eeh_pe_update_time_stamp's seconds.</summary>
    private static TimeSpan Now => DateTime.UtcNow - DateTime.UnixEpoch;

    private void OnEehOp(EehPeOpOnPe op)
    {
        var (ret, after) = EehPeOps.Apply(_eeh, op.Argsz, op.Flags, op.Op, op.Err, Now, _eehPolicy);
        var replyTo = Sender;
        var done = new EehPeOpDone(_group, ret);
        if (after is null || after == _eeh)
        {
            replyTo.Tell(done);
            return;
        }
        var cause = ret < 0 ? $"VFIO_EEH_PE_OP {(EehPeOp)op.Op} failed ({-ret})" : $"VFIO_EEH_PE_OP {(EehPeOp)op.Op}";
        ChangeEeh(after, op.ByGuestPe ? $"guest PE recovery: {cause}" : cause, () => replyTo.Tell(done), op.ByGuestPe);
    }

    /// <summary>A change its guest PE or an injection asked for, answered as an op that returned 0.</summary>
    private void ChangeOrAnswer(HostPeEeh state, string cause, bool bySiblings)
    {
        var replyTo = Sender;
        var done = new EehPeOpDone(_group, 0);
        if (state == _eeh) replyTo.Tell(done);
        else ChangeEeh(state, cause, () => replyTo.Tell(done), bySiblings);
    }

    /// <summary>The new EEH state holds at once (DMAs after it see it); its record follows in the journal.</summary>
    private void ChangeEeh(HostPeEeh state, string cause, Action then, bool bySiblings = false)
    {
        _eeh = state;
        _checker.Tell(new PeEehObserved(_host, _group, state, bySiblings));
        // The guest PE hears first, so it can freeze the siblings before anyone is answered.
        _links.GuestPe?.Tell(new HostPeEehReported(_group, state, bySiblings));
        if (_durability == DurabilityMode.Off) then();
        else Record(new PeEehChanged(_host, _group, state, cause, bySiblings), _ => then());
    }

    private void OnDma(DeviceDma d)
    {
        // A frozen PE (EEH) lets no DMA through: the device sees all ones, nothing reaches memory.
        if (!_eeh.DmaAllowed)
        {
            Complete(d, new DmaResult(DmaOutcome.Frozen, 0), []);
            return;
        }
        DmaResult result;
        DmaView[] views = [];
        if (_ioasDomain is { } domain)
        {
            result = domain.Translate(d.Ioba, d.Direction);
            Complete(result,
                new IoasDmaObserved(_host, _group, d.Ioba, d.Direction, result, domain.Ioas, domain.Generation),
                new IoasDmaCompleted(_host, _group, d.Ioba, d.Direction, result.Outcome, result.Hpa, domain.Ioas, domain.Generation));
        }
        else if (_durability == DurabilityMode.Off)
        {
            result = DmaEngine.Translate(_windows, _cache, d.Ioba, d.Direction);
            Complete(d, result, views);
        }
        else
        {
            // Acked-through before the translation, applied-through after: the record brackets
            // every call that could have been in flight while the DMA used the table (TableProgress).
            var writers = DmaEngine.WindowOf(_windows, d.Ioba)?.Writers ?? [];
            var acked = new long[writers.Length];
            for (var i = 0; i < acked.Length; i++) acked[i] = writers[i].AckedThrough;
            result = DmaEngine.Translate(_windows, _cache, d.Ioba, d.Direction);
            views = new DmaView[writers.Length];
            for (var i = 0; i < views.Length; i++) views[i] = new DmaView(writers[i].Vm, writers[i].Liobn, acked[i], writers[i].AppliedThrough);
            Complete(d, result, views);
        }
        // With EEH enabled, a DMA the TCEs do not allow freezes the PE (the PHB isolates it).
        if (result.Outcome == DmaOutcome.Fault && _eeh.Enabled)
            ChangeEeh(_eehPolicy.Freeze(_eeh, Now), $"DMA {d.Direction.ToString().ToLowerInvariant()} fault at ioba 0x{d.Ioba:x}", () => { });
    }

    private void Complete(DeviceDma d, DmaResult result, DmaView[] views) =>
        Complete(result, new DmaObserved(_host, _group, d.Ioba, d.Direction, result),
            new DmaCompleted(_host, _group, d.Ioba, d.Direction, result.Outcome, result.Hpa, views));

    private void Complete(DmaResult result, ICheckerObservation observed, IDmaEvent record)
    {
        _checker.Tell(observed);
        if (_durability == DurabilityMode.Off)
        {
            Sender.Tell(result);
            return;
        }
        _unjournaledDmas.Enqueue((Sender, result));
        Record(record, _ =>
        {
            var (replyTo, done) = _unjournaledDmas.Dequeue();
            replyTo.Tell(done);
        });
    }

    /// <summary>
    /// The DMAs happened whether or not their record reached the journal: answer them all before
    /// Akka stops this actor; the host starts it again (its owner comes back from the journal).
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistFailure(cause, @event, sequenceNr);
        Context.Parent.Tell(new PeStopping(_group));
        while (_unjournaledDmas.TryDequeue(out var pending)) pending.ReplyTo.Tell(pending.Result);
    }

    /// <summary>
    /// A record the journal rejected is handled as one it failed to write: Akka would go on
    /// without calling its handler (its DMA or EEH change never answered), so the PE stops and
    /// the host starts it again from what the journal holds.
    /// </summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        Context.Parent.Tell(new PeStopping(_group));
        while (_unjournaledDmas.TryDequeue(out var pending)) pending.ReplyTo.Tell(pending.Result);
        Context.Stop(Self);
    }

    /// <summary>A crash, likewise: the DMAs waiting for their record are answered before the restart.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        while (_unjournaledDmas.TryDequeue(out var pending)) pending.ReplyTo.Tell(pending.Result);
        base.PreRestart(reason, message);
    }
}
