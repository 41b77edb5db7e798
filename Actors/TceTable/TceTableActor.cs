using Fabric.Persistence;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Fabric.Container;
using Fabric.Host;
using Fabric.Messages;
using Fabric.Vm;

namespace Fabric.TceTable;

/// <summary>Links a hardware table to this LIOBN (local: carries host memory).</summary>
public sealed record LinkHardwareTable(string Container, int Window, int Group);

/// <summary>
/// The LIOBN's window is removed: once every call it holds is answered, the table journals the
/// removal, clears and kills its hardware windows, and stops.
/// </summary>
public sealed record RemoveTable
{
    public static readonly RemoveTable Instance = new();
}

/// <summary>
/// Hosts one <see cref="TceTable"/>. A hypercall is decided and applied at once (later calls
/// see it), mirrored into every linked hardware table, then killed in every group of each of
/// them; the guest's reply leaves only when every kill register has answered and, in strict
/// durability, the event is in the journal. Persistence id tce/&lt;host&gt;/&lt;vm&gt;/&lt;liobn&gt;.
/// </summary>
public sealed class TceTableActor : ReceivePersistentActor, IWithUnboundedStash, IWithTimers
{
    /// <summary>The retry timer's tick: send again every kill unacknowledged for longer than fabric.kill-retry.</summary>
    private sealed record RetryKills
    {
        public static readonly RetryKills Tick = new();
    }

    /// <summary>A kill on its way: the call (or, negative, the unlink) it is for, and when it last left.</summary>
    private sealed record SentKill(long Owner, int Group, TceKill Kill, long SentAt);
    private readonly HostMemory _memory;
    private readonly IActorRef _checker;
    private readonly DurabilityMode _durability;
    private readonly TceTableCreated _created;
    private TceTable _table;

    // Windows of this LIOBN removed before (QEMU reuses LIOBNs, so one journal holds them all):
    // the host's count, and the markers this journal holds. Recovery keeps only what follows the
    // last marker; a journal short of markers holds nothing of this window.
    private readonly int _expectedRemovals;
    private int _removals;
    private bool _removalAsked;
    private int _removalKillsLeft;
    private const long RemovalToken = long.MinValue;
    private readonly Dictionary<long, PendingCall> _pending = new();
    private readonly List<(long Token, long Position, HcallHandled Call)> _unjournaled = new();
    private bool _journalWriteInFlight;
    private readonly long _asyncMaxLag;

    /// <summary>The most calls one journal event carries.</summary>
    private const int MaxCallsPerWrite = 4096;
    private long _nextToken = 1;

    // Every kill sent and not yet acknowledged, by an id of its own: a duplicated acknowledgement
    // counts once, and a kill lost on its way (or sent to a kill register that restarted before
    // it answered) is sent again to the group's register of the moment.
    private readonly Dictionary<long, SentKill> _kills = new();
    // Kill ids are unique in the process, not per incarnation: after a crash the restarted
    // table keeps its actor ref, so acknowledgements of kills the crashed incarnation sent still
    // arrive, and must not count for the new incarnation's kills.
    private static long s_lastKillId;
    private readonly TimeSpan _killRetry;

    // Positions: the n-th call this table journals is position n, in the journal as here, so a
    // DMA's record can name the calls it raced with (TableProgress, DmaView).
    private readonly TableProgress _progress;
    private long _position;
    // Calls not yet answered, in position order, and those answered ahead of an earlier one:
    // acked-through is the position before the first unanswered call (amortised O(1) per call).
    private readonly Queue<long> _unanswered = new();
    private readonly HashSet<long> _answeredEarly = new();

    public TceTableActor(TceTableCreated created, HostMemory memory, IActorRef checker, DurabilityMode durability, TableProgress progress, int removals = 0)
    {
        _created = created;
        _expectedRemovals = removals;
        _memory = memory;
        _checker = checker;
        _durability = durability;
        _asyncMaxLag = Context.System.Settings.Config.GetLong("fabric.async-max-lag", 10_000);
        _snapshotEvery = Context.System.Settings.Config.GetLong("fabric.snapshot-every", 50_000);
        _killRetry = Context.System.Settings.Config.GetTimeSpan("fabric.kill-retry", TimeSpan.FromMilliseconds(200));
        _table = NewTable();
        PersistenceId = $"tce/{memory.Host}/{created.Vm}/0x{created.Liobn:x}";
        _progress = progress;

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is TceTableGenerationSnapshot g)
            {
                _removals = g.Removals;
                Restore(g.Table);
            }
            else Restore((TceTableSnapshot)o.Snapshot);
        });
        Recover<TceTableRemoved>(_ =>
        {
            _removals++;
            Forget();
        });
        // The calls read back count toward the next snapshot: a table that crashes more often
        // than it makes snapshot-every calls would otherwise never snapshot, and every restart
        // would read back more than the last.
        Recover<HcallHandled>(c =>
        {
            _table.Apply(c);
            _position++;
            _callsSinceSnapshot++;
        });
        Recover<HcallsHandled>(b =>
        {
            foreach (var c in b.Calls) _table.Apply(c);
            _position += b.Calls.Length;
            _callsSinceSnapshot += b.Calls.Length;
        });
        Recover<TableCallsLost>(l => _position = l.LastPosition);
        Recover<HardwareTableLinked>(e => LinkInState(e.Container, e.Window));
        Recover<HardwareTableUnlinked>(e =>
        {
            _table.Unlink(e.Container, e.Window);
            if (_memory.HardwareTables.TryGetValue(ContainerKeys.Window(e.Container, e.Window), out var hw) &&
                _table.Links.All(l => !ReferenceEquals(l.Table, hw)))
                hw.RemoveWriter(_progress);
        });
        Recover<TceTableCreated>(_table.Apply);
        Recover<RecoveryCompleted>(_ =>
        {
            if (_removals < _expectedRemovals) CatchUpRemovals();
            if (_progress.HandedOver is { } lost) RecordLost(lost);
            _progress.Applied(_position);
            _progress.Acked(_position);
            // The checker hears of the restored view before the hardware holds it, as it hears of
            // a call before its mirror is written: a DMA that sees the rewritten windows must not
            // reach the checker ahead of the view that allows it.
            TceWrite[] runs = [.. _table.View.NonZeroRuns()];
            if (runs.Length > 0) _checker.Tell(new ViewRestored(_created.Vm, _created.Liobn, runs));
            ResyncHardware();
        });

        Command<Hcall>(h =>
        {
            if (_draining) Stash.Stash();
            else OnHcall(h);
        });
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => Context.GetLogger().Warning("snapshot of {0} failed: {1}", PersistenceId, f.Cause.Message));
        Command<TceKilled>(OnKilled);
        Command<RetryKills>(_ => ResendLateKills());
        Command<LinkHardwareTable>(OnLink);
        Command<RemoveTable>(_ =>
        {
            if (_draining) Stash.Stash();
            else
            {
                _removalAsked = true;
                TryRemove();
            }
        });
        Command<UnlinkHardwareTable>(OnUnlink);
        Command<TceTableCreated>(e =>
        {
            if (_table.InKernel || !e.InKernel) return;
            if (_durability == DurabilityMode.Off) _table.Apply(e);
            else Persist(e, _table.Apply);
        });
    }

    public override string PersistenceId { get; }

    /// <summary>
    /// <paramref name="progress"/> is the table's for all its incarnations (its VM keeps it; a new
    /// window on the LIOBN gets a new one): a restart recreates the actor from these props.
    /// </summary>
    public static Props Props(TceTableCreated created, HostMemory memory, IActorRef checker, DurabilityMode durability, TableProgress progress, int removals = 0) =>
        Akka.Actor.Props.Create(() => new TceTableActor(created, memory, checker, durability, progress, removals));

    private TceTable NewTable() =>
        new(new TceTableGeometry(_created.Liobn, _created.PageShift, _created.Offset, _created.Size),
            _created.InKernel, _created.InUserspace, _memory.GuestRams[_created.Vm], TcePolicy.From(Context.System.Settings.Config));

    /// <summary>
    /// What the journal held so far belongs to a removed window: an empty table, no links, and
    /// positions counted from this window's first call (as replay counts them for its table).
    /// </summary>
    private void Forget()
    {
        foreach (var link in _table.Links) link.Table.RemoveWriter(_progress);
        _table = NewTable();
        _position = 0;
    }

    /// <summary>
    /// The host removed this LIOBN's window more often than the journal says (it stopped before
    /// the table journaled the removal): nothing recovered is this window's, and the missing
    /// markers go in first, so the next recovery agrees.
    /// </summary>
    private void CatchUpRemovals()
    {
        Forget();
        var markers = Enumerable.Range(0, _expectedRemovals - _removals).Select(_ => new TceTableRemoved(_created.Vm, _created.Liobn)).ToArray();
        _removals = _expectedRemovals;
        if (_durability != DurabilityMode.Off) PersistAll(markers, _ => { });
    }

    /// <summary>The removal goes ahead once every call is answered and journaled.</summary>
    private void TryRemove()
    {
        if (!_removalAsked || _pending.Count > 0 || _journalWriteInFlight || _unjournaled.Count > 0) return;
        _removalAsked = false;
        var e = new TceTableRemoved(_created.Vm, _created.Liobn);
        if (_durability == DurabilityMode.Off) Removed();
        else Persist(e, _ => Removed());
    }

    /// <summary>Every linked window is cleared and killed in every group before the table stops.</summary>
    private void Removed()
    {
        _removals++;
        foreach (var link in _table.Links)
        {
            link.Table.RemoveWriter(_progress);
            _removalKillsLeft += Kill(ClearWindow(link), RemovalToken);
        }
        _table = NewTable();
        if (_removalKillsLeft == 0) Context.Stop(Self);
    }

    public TceTable State => _table;

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("kill-retry", RetryKills.Tick, _killRetry);
        base.PreStart();
    }

    /// <summary>
    /// A fault injection (fabric run's crash fault) crashes the table whatever it is doing, except
    /// recovering: then it is absorbed (InjectedCrashAbsorbed), as the table is down already (a
    /// restart in mid-recovery would keep the recovery permit it holds, and with enough of them
    /// no persistent actor could recover at all).
    /// </summary>
    protected override bool AroundReceive(Receive receive, object message) => message switch
    {
        InjectedCrash when IsRecovering => InjectedCrashes.Absorb(Context),
        InjectedCrash => throw new InjectedCrashException(Self.Path.ToString()),
        _ => base.AroundReceive(receive, message),
    };

    /// <summary>
    /// A crash loses the calls in progress, not their safety: as after a failed journal write,
    /// the windows are cleared and the VM kills every cache before it answers what this table
    /// owed; the next incarnation recovers from the journal and writes the windows again.
    /// </summary>
    protected override void PreRestart(Exception reason, object message)
    {
        HandOver(restarting: true);
        base.PreRestart(reason, message);
    }

    /// <summary>A stopped table writes no hardware table any more.</summary>
    protected override void PostStop()
    {
        foreach (var link in _table.Links) link.Table.RemoveWriter(_progress);
        base.PostStop();
    }

    private void OnHcall(Hcall h)
    {
        if (h.Hops is { } atTable) atTable.AtTable = System.Diagnostics.Stopwatch.GetTimestamp();
        var handled = _table.Decide(h.CallId, h.Call);
        _table.Apply(handled);
        var token = _nextToken++;
        var pending = new PendingCall(Sender, new HcallResult(h.CallId, handled.Ret, handled.R4), h.CallId, ++_position) { Hops = h.Hops };
        _unanswered.Enqueue(pending.Position);
        if (handled.Writes.Length > 0)
        {
            _progress.Applied(pending.Position);
            _checker.Tell(new CallApplied(_created.Vm, _created.Liobn, h.CallId, h.Call, handled.Writes));
            foreach (var w in handled.Writes) pending.AcksLeft += MirrorAndKill(w, token);
        }
        _pending[token] = pending;
        if (h.Hops is { } sent) sent.KillsSent = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_durability == DurabilityMode.Off)
        {
            pending.Durable = true;
            TryReply(token, pending);
            return;
        }
        // Async: the guest need not wait for the journal, unless it has fallen too far behind.
        pending.Durable = _durability == DurabilityMode.Async && _unjournaled.Count < _asyncMaxLag;
        _unjournaled.Add((token, pending.Position, handled));
        MaxJournalLag = Math.Max(MaxJournalLag, _unjournaled.Count);
        if (!_journalWriteInFlight) JournalBatch();
        TryReply(token, pending);
    }

    /// <summary>The most calls this table has had answered but not yet journaled (async durability).</summary>
    public long MaxJournalLag { get; private set; }

    /// <summary>Group commit: one event for every call answered since the last write began.</summary>
    private void JournalBatch()
    {
        var n = Math.Min(_unjournaled.Count, MaxCallsPerWrite);
        var batch = _unjournaled.GetRange(0, n);
        _unjournaled.RemoveRange(0, n);
        _journalWriteInFlight = true;
        _inFlightBatch = batch;
        IFabricEvent e = n == 1 ? batch[0].Call : new HcallsHandled(batch.Select(b => b.Call).ToArray());
        PersistAsync(e, _ =>
        {
            _journalWriteInFlight = false;
            _inFlightBatch = [];
            foreach (var (token, _, _) in batch)
                if (_pending.TryGetValue(token, out var p))
                {
                    p.Durable = true;
                    TryReply(token, p);
                }
            _callsSinceSnapshot += batch.Count;
            if (_callsSinceSnapshot >= _snapshotEvery) _draining = true;
            if (_unjournaled.Count > 0) JournalBatch();
            else if (_draining) TakeSnapshot();
            TryRemove();
        });
    }

    /// <summary>Writes one run into every linked hardware table and kills it in every group; returns the kills sent.</summary>
    private int MirrorAndKill(TceWrite write, long token)
    {
        var sent = 0;
        foreach (var link in _table.Links)
        {
            var range = HardwareMirror.Mirror(write, _table.Geometry.PageShift, _table.Ram, link.Table);
            sent += Kill(range, token);
        }
        return sent;
    }

    /// <summary>
    /// Kills the range in every group of its table for <paramref name="owner"/> (a call's token,
    /// or a negative unlink token; 0 needs no answer); returns the kills sent.
    /// </summary>
    private int Kill(KillRange range, long owner)
    {
        var sent = 0;
        foreach (var group in range.Table.Groups)
        {
            if (!_memory.KillRegisters.TryGetValue(group, out var register)) continue;
            var id = owner == 0 ? 0 : Interlocked.Increment(ref s_lastKillId);
            var kill = new TceKill(range.Table.Key, range.FirstEntry, range.Count, id);
            if (owner != 0) _kills[id] = new SentKill(owner, group, kill, System.Diagnostics.Stopwatch.GetTimestamp());
            register.Tell(kill);
            sent++;
        }
        return sent;
    }

    private void OnKilled(TceKilled k)
    {
        if (k.Token == 0 || !_kills.Remove(k.Token, out var sent)) return;
        KillDone(sent.Owner);
    }

    private void KillDone(long owner)
    {
        if (owner == RemovalToken)
        {
            if (--_removalKillsLeft == 0) Context.Stop(Self);
            return;
        }
        if (owner < 0)
        {
            UnlinkKilled(owner);
            return;
        }
        if (!_pending.TryGetValue(owner, out var pending)) return;
        pending.AcksLeft--;
        TryReply(owner, pending);
    }

    /// <summary>
    /// Sends again each kill that has waited longer than fabric.kill-retry. A group whose PE is
    /// gone has no cache left to hold the range: its kill counts as done.
    /// </summary>
    private void ResendLateKills()
    {
        if (_kills.Count == 0) return;
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        foreach (var (id, sent) in _kills.ToArray())
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(sent.SentAt, now) < _killRetry) continue;
            if (_memory.KillRegisters.TryGetValue(sent.Group, out var register))
            {
                register.Tell(sent.Kill);
                _kills[id] = sent with { SentAt = now };
                KillsResent++;
            }
            else
            {
                _kills.Remove(id);
                KillDone(sent.Owner);
            }
        }
    }

    /// <summary>Kills sent again because no acknowledgement came in time.</summary>
    public long KillsResent { get; private set; }

    private void TryReply(long token, PendingCall pending)
    {
        if (pending.AcksLeft > 0 || !pending.Durable) return;
        _pending.Remove(token);
        Answered(pending.Position);
        // The checker hears of the acknowledgement before the guest does, so any DMA the guest
        // starts after seeing the reply is checked against the new mapping.
        _checker.Tell(new CallAcknowledged(_created.Vm, pending.CallId));
        if (pending.Hops is { } hops) hops.Replied = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!pending.ReplyTo.IsNobody()) pending.ReplyTo.Tell(pending.Result);
        TryRemove();
    }

    /// <summary>Publishes acked-through: every call up to it has been answered.</summary>
    private void Answered(long position)
    {
        if (_unanswered.TryPeek(out var first) && first == position)
        {
            _unanswered.Dequeue();
            while (_unanswered.TryPeek(out var next) && _answeredEarly.Remove(next)) _unanswered.Dequeue();
        }
        else
        {
            _answeredEarly.Add(position);
        }
        _progress.Acked(_unanswered.TryPeek(out var waiting) ? waiting - 1 : _position);
    }

    private void OnLink(LinkHardwareTable cmd)
    {
        var e = new HardwareTableLinked(_memory.Host, cmd.Container, cmd.Window, cmd.Group);
        var replyTo = Sender;
        void Done(HardwareTableLinked ev)
        {
            var isNew = LinkInState(ev.Container, ev.Window);
            if (isNew) ResyncLink(_table.Links.First(l => l.Container == ev.Container && l.Window == ev.Window));
            replyTo.Tell(SetupResult.Ok);
        }
        if (_durability == DurabilityMode.Off) Done(e);
        else Persist(e, Done);
    }

    /// <summary>
    /// One reference on a link goes. A clearing unlink that takes the link away first clears the
    /// window and kills it in every group, and answers once every kill is acknowledged, so no DMA
    /// after the answer can use what the window held for this LIOBN.
    /// </summary>
    private void OnUnlink(UnlinkHardwareTable cmd)
    {
        var e = new HardwareTableUnlinked(_memory.Host, cmd.Container, cmd.Window, 0);
        var replyTo = Sender;
        void Done(HardwareTableUnlinked ev)
        {
            var link = _table.Links.FirstOrDefault(l => l.Container == ev.Container && l.Window == ev.Window);
            _table.Unlink(ev.Container, ev.Window);
            var gone = link is not null && _table.Links.All(l => !ReferenceEquals(l.Table, link.Table));
            if (gone) link!.Table.RemoveWriter(_progress);
            var token = -_nextToken++;
            var kills = gone && cmd.ClearHardware ? Kill(ClearWindow(link!), token) : 0;
            if (kills == 0) replyTo.Tell(SetupResult.Ok);
            else _unlinking[token] = (replyTo, kills);
        }
        if (_durability == DurabilityMode.Off) Done(e);
        else Persist(e, Done);
    }

    private void UnlinkKilled(long token)
    {
        if (!_unlinking.TryGetValue(token, out var waiting)) return;
        if (--waiting.AcksLeft > 0)
        {
            _unlinking[token] = waiting;
            return;
        }
        _unlinking.Remove(token);
        waiting.ReplyTo.Tell(SetupResult.Ok);
    }

    /// <summary>Clearing unlinks waiting for their kills, by (negative) token.</summary>
    private readonly Dictionary<long, (IActorRef ReplyTo, int AcksLeft)> _unlinking = new();

    /// <summary>Clears this LIOBN's whole window in a linked table; returns the range to kill.</summary>
    private KillRange ClearWindow(HardwareLink link)
    {
        var g = _table.Geometry;
        var shift = link.SubpageShift(g.PageShift);
        link.Table.ClearRange(g.Offset << shift, g.Size << shift);
        return new KillRange(link.Table, g.Offset << shift, g.Size << shift);
    }

    private bool LinkInState(string container, int window)
    {
        var key = ContainerKeys.Window(container, window);
        if (!_memory.HardwareTables.TryGetValue(key, out var hw)) return false;
        var isNew = _table.Links.All(l => !ReferenceEquals(l.Table, hw));
        _table.Link(new HardwareLink(hw, container, window, 1));
        hw.AddWriter(_progress);
        return isNew;
    }

    /// <summary>After recovery the hardware tables may hold writes the journal never got: rewrite them from the view.</summary>
    private void ResyncHardware()
    {
        foreach (var link in _table.Links) ResyncLink(link);
    }

    private void ResyncLink(HardwareLink link)
    {
        var cleared = ClearWindow(link);
        foreach (var run in _table.View.NonZeroRuns())
            HardwareMirror.Mirror(run, _table.Geometry.PageShift, _table.Ram, link.Table);
        Kill(cleared, 0);
    }

    private List<(long Token, long Position, HcallHandled Call)> _inFlightBatch = [];
    private readonly long _snapshotEvery;
    private long _callsSinceSnapshot;
    private bool _draining;

    /// <summary>
    /// Snapshots only what the journal holds: calls are held back until every applied call is
    /// journaled, the state is copied, and the held calls go on.
    /// </summary>
    private void TakeSnapshot()
    {
        var (numbers, entries) = _table.View.ExportPages();
        var links = _table.Links
            .SelectMany(l => Enumerable.Repeat(new HardwareTableLinked(_memory.Host, l.Container, l.Window, 0), l.References))
            .ToArray();
        var created = _created with { InKernel = _table.InKernel };
        var snapshot = new TceTableSnapshot(created, links, numbers, entries, _position);
        SaveSnapshot(_removals == 0 ? snapshot : new TceTableGenerationSnapshot(snapshot, _removals));
        _callsSinceSnapshot = 0;
        _draining = false;
        Stash.UnstashAll();
    }

    private void Restore(TceTableSnapshot s)
    {
        _table.Apply(s.Created);
        foreach (var l in s.Links) LinkInState(l.Container, l.Window);
        _table.View.ImportPages(s.PageNumbers, s.Entries);
        _position = s.Calls;
        _callsSinceSnapshot = 0;
    }

    /// <summary>
    /// The journal refused a write. Akka stops a persistent actor whose write failed; before it
    /// goes, the table clears its hardware windows (every DMA faults until it is back) and hands
    /// what it still owes to its VM: kill every cache, then answer H_HARDWARE for each call not in
    /// the journal, and start the table again from the journal (docs/semantics.md, Durability).
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistFailure(cause, @event, sequenceNr);
        HandOver(restarting: false);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        HandOver(restarting: false);
        Context.Stop(Self);
    }

    private void HandOver(bool restarting)
    {
        if (_handedOver) return;
        _handedOver = true;
        var cleared = _table.Links.Select(ClearWindow).ToArray();
        var owed = _pending.Values
            .Select(p => new OwedReply(p.ReplyTo, p.Durable ? p.Result : p.Result with { Ret = HcallReturn.Hardware }, !p.Durable))
            .ToArray();
        _pending.Clear();
        _kills.Clear();
        _progress.HandOver(_position, _inFlightBatch.Concat(_unjournaled).Select(u => (u.Position, u.Call)));
        _unjournaled.Clear();
        Context.Parent.Tell(new TableFailed(_created, cleared, owed, restarting));
    }

    private bool _handedOver;

    /// <summary>
    /// A failed incarnation gave positions to calls it never journaled: the journal records them
    /// (TableCallsLost) before any new call, which counts on after them. Calls whose write landed
    /// after all were read back and are not lost; a position given out without a call recorded
    /// (the failure came mid-call) ends the list.
    /// </summary>
    private void RecordLost(LostCalls lost)
    {
        if (lost.Through <= _position)
        {
            _progress.Recorded(lost);
            return;
        }
        var first = _position + 1;
        var calls = new List<HcallHandled>();
        while (lost.Calls.TryGetValue(first + calls.Count, out var call)) calls.Add(call);
        _position = lost.Through;
        if (_durability == DurabilityMode.Off) _progress.Recorded(lost);
        else Persist(new TableCallsLost(first, lost.Through, [.. calls]), _ => _progress.Recorded(lost));
    }

    private sealed class PendingCall(IActorRef replyTo, HcallResult result, long callId, long position)
    {
        public long Position { get; } = position;
        public IActorRef ReplyTo { get; } = replyTo;
        public HcallResult Result { get; } = result;
        public long CallId { get; } = callId;
        public int AcksLeft { get; set; }
        public bool Durable { get; set; }
        public HopTimes? Hops { get; init; }
    }
}
