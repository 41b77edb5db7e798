using System.Diagnostics;
using Akka.Actor;
using Fabric.Messages;

namespace Fabric.Eeh;

/// <summary>A host PE joins its guest PE (sent by the PE itself, so the guest PE has its address).</summary>
public sealed record JoinGuestPe(IActorRef GuestPe);

/// <summary>
/// The PE behind a group of this guest PE; Sender is the PE actor. <paramref name="Restarted"/>:
/// the same actor back from a crash (the rejoin is its first message after its recovery).
/// </summary>
public sealed record GuestPeMember(int Group, bool Restarted = false);

/// <summary>An attempt of a step waited too long for its host PEs (a PE restarting that never came back).</summary>
internal sealed record StepTimedOut(long Attempt);

/// <summary>
/// One guest PE over several host PEs. A freeze any of them reports (a DMA fault, an injected
/// error, a PHB error) opens an episode: the guest PE freezes every other host PE at once and,
/// when all have answered, the guest gets one EEH event with the next serial number. Freezes
/// racing on two host PEs open one episode, not two; it closes when every host PE runs again.
/// A host PE that is permanently failed takes its siblings with it.
/// The guest's EEH RTAS calls run here one at a time, each a step on every host PE decided by
/// <see cref="GuestPeRtas"/>: run the op on all, retry where it failed, else fence them all.
/// A host PE that dies mid-step (its actor stops, or restarts after a crash) counts as failed and
/// gets the step again when it is back, with its state from its journal. The host PEs keep and journal their own states;
/// this actor keeps them together and tells the invariant checker when they must agree.
/// </summary>
public sealed class GuestPeActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    /// <summary>How long an attempt of a step waits for a host PE that is restarting.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    private readonly string _host;
    private readonly string _vm;
    private readonly int _id;
    private readonly int[] _groups;
    private readonly GuestPeDesign _design;
    private readonly IActorRef _checker;
    private readonly Dictionary<int, IActorRef> _members = new();
    private readonly Dictionary<int, HostPeEeh> _states = new();
    private readonly HashSet<int> _rejoining = new();
    private readonly HashSet<int> _waiting = new();
    private readonly List<GuestEehEvent> _events = new();
    private readonly Stopwatch _spread = new();
    private bool _episode;
    private bool _spreadTells;
    private int _first;
    private long _serial;
    private Step? _step;
    private long _attempts;
    private int? _faultDuringStep;
    private bool _fenced;

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The RTAS call in progress: its plan, each host PE's latest return, and who still owes one.</summary>
    private sealed class Step(GuestPeRtasCall call, EehRtasPlan plan, IActorRef replyTo, int hostPes)
    {
        public GuestPeRtasCall Call { get; } = call;
        public EehRtasPlan Plan { get; } = plan;
        public IActorRef ReplyTo { get; } = replyTo;
        public long[] Rets { get; } = new long[hostPes];
        public List<int> Failed { get; } = new();
        public HashSet<int> Pending { get; } = new();
        public HashSet<int> Unsent { get; } = new();
        public int[] Retried { get; set; } = [];
        public GuestPeRtasAnswer? Fencing { get; set; }
    }

    public GuestPeActor(string host, string vm, int id, int[] groups, GuestPeDesign design, IActorRef checker)
    {
        _host = host;
        _vm = vm;
        _id = id;
        _groups = groups;
        _design = design;
        _checker = checker;
        foreach (var g in groups) _states[g] = HostPeEeh.Normal;
        Receive<GuestPeMember>(OnMember);
        Receive<Terminated>(OnMemberStopped);
        Receive<HostPeEehReported>(OnReported);
        Receive<EehFrozen>(f => Settled(f.Group));
        Receive<EehPeOpDone>(d => Result(d.Group, d.Ret));
        Receive<StepTimedOut>(t =>
        {
            if (_step is null || t.Attempt != _attempts) return;
            foreach (var g in _step.Pending.ToArray()) Result(g, -(long)Errno.EIO);
        });
        Receive<GuestPeRtasCall>(c =>
        {
            if (Busy) Stash.Stash();
            else StartStep(c);
        });
        // A freeze still spreading, or a step, is answered once it is over.
        Receive<GetGuestPeReport>(_ =>
        {
            if (Busy) Stash.Stash();
            else Sender.Tell(new GuestPeReport([.. _events], [.. _states.OrderBy(s => s.Key).Select(s => s.Value.Name)]));
        });
    }

    public static Props Props(string host, string vm, int id, int[] groups, GuestPeDesign design, IActorRef checker) =>
        Akka.Actor.Props.Create(() => new GuestPeActor(host, vm, id, groups, design, checker));

    private bool Busy => _waiting.Count > 0 || _step is not null;

    private string Name => $"guest PE {_vm}/{_id}";

    private void OnMember(GuestPeMember m)
    {
        if (m.Restarted && _members.TryGetValue(m.Group, out var known) && known.Equals(Sender))
        {
            // The same actor after a crash: no Terminated came, but what it owed may be lost with its old incarnation.
            Lost(m.Group, restarted: true);
            return;
        }
        _members[m.Group] = Context.Watch(Sender);
        if (_step is not null && _step.Unsent.Remove(m.Group)) Send(m.Group);
    }

    /// <summary>A host PE's actor stopped: what it owed the step failed; it rejoins when its host starts it again.</summary>
    private void OnMemberStopped(Terminated t)
    {
        var (group, _) = _members.FirstOrDefault(kv => kv.Value.Equals(t.ActorRef));
        if (_members.Remove(group)) Lost(group);
    }

    /// <summary>
    /// A host PE's actor died: what it owed the step failed, and its next report is a rejoin. One
    /// that stopped no longer holds up a spread (its rejoin brings it to its siblings' state); one
    /// that restarted is still waited for, as it is back at once (see <see cref="FreezeAgain"/>).
    /// </summary>
    private void Lost(int group, bool restarted = false)
    {
        _rejoining.Add(group);
        if (_step is not null && _step.Pending.Contains(group) && !_step.Unsent.Contains(group)) Result(group, -(long)Errno.EIO);
        if (!restarted) Settled(group);
    }

    /// <summary>A host PE back from a crash during a spread: settled if its journal has it frozen, else frozen again (a freeze is idempotent).</summary>
    private void FreezeAgain(int group, HostPeEeh state)
    {
        var giveUp = _states.Values.Any(s => s.PermanentlyFailed);
        if (state.IsFrozen && (!giveUp || state.PermanentlyFailed)) Settled(group);
        else _members[group].Tell(new EehFreeze($"{Name}: host PE {group} back from a restart, frozen as its siblings", BySiblings: true, GiveUp: giveUp));
    }

    private void OnReported(HostPeEehReported r)
    {
        if (!_states.TryGetValue(r.Group, out var before)) return;
        _states[r.Group] = r.State;
        if (_rejoining.Remove(r.Group))
        {
            if (_waiting.Contains(r.Group))
            {
                FreezeAgain(r.Group, r.State);
                return;
            }
            if (Reconcile(r.Group, r.State)) return;
        }
        if (r.State.IsFrozen && r.State.FrozeSince(before) && !r.BySiblings)
        {
            // A fault: during a step it is dealt with once the step is over; during a spread the spread reaches it.
            // The step's op went to every host PE at once, so their reports arrive in any order:
            // the episode names the first of them in the guest PE's order, the same in every run.
            if (_step is not null) _faultDuringStep = _faultDuringStep is { } seen && Array.IndexOf(_groups, seen) < Array.IndexOf(_groups, r.Group) ? seen : r.Group;
            else if (_waiting.Count == 0) StartSpread(r.Group, newEpisode: !_episode);
        }
        else if (_episode && _states.Values.All(Running))
        {
            _episode = false;
        }
    }

    private static bool Running(HostPeEeh s) => !s.IsFrozen && !s.ResetAsserted;

    private static bool FrozenWhole(HostPeEeh s) => s.MmioFrozen && s.DmaFrozen;

    /// <summary>
    /// A host PE back from a restart, its state from its journal: brought to its siblings' state
    /// when they agree on one it can be put in (fenced, or frozen); true when it was.
    /// </summary>
    private bool Reconcile(int group, HostPeEeh state)
    {
        if (Busy || !_members.TryGetValue(group, out var pe)) return false;
        var others = _states.Where(kv => kv.Key != group).Select(kv => kv.Value).ToArray();
        if (others.Length == 0) return false;
        if (_fenced && !state.Fenced && !state.PermanentlyFailed)
        {
            pe.Tell(new EehFence($"{Name}: host PE {group} back from a restart, fenced as its siblings"));
            return true;
        }
        if (others.All(s => s.IsFrozen) && !state.IsFrozen)
        {
            _waiting.Add(group);
            pe.Tell(new EehFreeze($"{Name}: host PE {group} back from a restart, frozen as its siblings", BySiblings: true, GiveUp: others.All(s => s.PermanentlyFailed)));
            return true;
        }
        return false;
    }

    /// <summary>Every sibling of the host PE that froze follows it before the guest is told.</summary>
    private void StartSpread(int first, bool newEpisode)
    {
        if (newEpisode)
        {
            _episode = true;
            _spreadTells = true;
            _first = first;
            _spread.Restart();
        }
        var giveUp = _states[first].PermanentlyFailed;
        foreach (var (g, pe) in _members)
        {
            // The PE that froze is frozen already, unless a step that ran after its fault thawed
            // part of it (a DMA thaw leaves it MMIO-frozen with DMA flowing): then it is frozen again.
            if (g == first && (FrozenWhole(_states[g]) || giveUp)) continue;
            _waiting.Add(g);
            pe.Tell(new EehFreeze($"{Name}: host PE {first} {(giveUp ? "failed for good" : "froze")}", BySiblings: true, GiveUp: giveUp));
        }
        if (_waiting.Count == 0) SpreadDone();
    }

    private void Settled(int group)
    {
        if (_waiting.Remove(group) && _waiting.Count == 0) SpreadDone();
    }

    private void SpreadDone()
    {
        // A sibling that passed its limit in this freeze fails for good, and so do all the others.
        if (_states.Values.FirstOrDefault(s => s.PermanentlyFailed) is not null && !_states.Values.All(s => s.PermanentlyFailed))
        {
            var failed = _states.First(s => s.Value.PermanentlyFailed).Key;
            foreach (var (g, pe) in _members)
            {
                if (_states[g].PermanentlyFailed) continue;
                _waiting.Add(g);
                pe.Tell(new EehFreeze($"{Name}: host PE {failed} failed for good", BySiblings: true, GiveUp: true));
            }
            if (_waiting.Count > 0) return;
        }
        if (_spreadTells) Tell();
        _spreadTells = false;
        _checker.Tell(new GuestPeSettled(_host, _vm, _id, "a freeze"));
        Stash.UnstashAll();
    }

    /// <summary>Every host PE is frozen: the guest's one EEH event of this episode.</summary>
    private void Tell()
    {
        var e = new GuestEehEvent(_host, _vm, _id, ++_serial, _first, (long)(_spread.Elapsed.TotalMilliseconds * 1000));
        _events.Add(e);
        Context.System.EventStream.Publish(e);
    }

    private void StartStep(GuestPeRtasCall c)
    {
        var plan = GuestPeRtas.Plan(c, _groups.Length, _design);
        if (plan.Answer is { } answered)
        {
            Sender.Tell(answered);
            return;
        }
        _step = new Step(c, plan, Sender, _groups.Length);
        Attempt(Enumerable.Range(0, _groups.Length));
    }

    private void Attempt(IEnumerable<int> hostPes)
    {
        _step!.Failed.Clear();
        foreach (var i in hostPes) _step.Pending.Add(_groups[i]);
        foreach (var g in _step.Pending.ToArray()) Send(g);
        Timers.StartSingleTimer("attempt", new StepTimedOut(++_attempts), AttemptTimeout);
    }

    /// <summary>The step's op (or the fence) to one host PE; one that is restarting gets it when it rejoins.</summary>
    private void Send(int group)
    {
        var step = _step!;
        if (!_members.TryGetValue(group, out var pe))
        {
            step.Unsent.Add(group);
            return;
        }
        object message = step.Fencing is not null
            ? new EehFence($"{Name}: {step.Plan.Op} could not be brought to every host PE")
            // An injected error is a fault like any other; the other ops are the guest's recovery.
            : new EehPeOpOnPe(GuestPeRtas.ArgSize, 0, (uint)step.Plan.Op, step.Plan.Err, ByGuestPe: step.Plan.Op != EehPeOp.InjectErr);
        pe.Tell(message);
    }

    private void Result(int group, long ret)
    {
        var step = _step;
        if (step is null || !step.Pending.Remove(group)) return;
        step.Unsent.Remove(group);
        if (step.Fencing is null)
        {
            var i = Array.IndexOf(_groups, group);
            step.Rets[i] = ret;
            if (ret < 0) step.Failed.Add(i);
        }
        if (step.Pending.Count > 0) return;
        if (step.Fencing is { } fenced)
        {
            Finish(fenced);
            return;
        }
        switch (GuestPeRtas.Settle(step.Plan, step.Call, _design, step.Rets, step.Failed, step.Retried, _groups))
        {
            case StepDone d:
                Finish(d.Answer);
                break;
            case StepRetry r:
                step.Retried = r.HostPes;
                Attempt(r.HostPes);
                break;
            case StepFence f:
                step.Fencing = f.Answer;
                _fenced = true;
                Attempt(Enumerable.Range(0, _groups.Length));
                break;
        }
    }

    private void Finish(GuestPeRtasAnswer answer)
    {
        var step = _step!;
        _step = null;
        if (answer.Status == RtasStatus.Success && step.Plan.Op is EehPeOp.ResetHot or EehPeOp.ResetFundamental) _fenced = false;
        step.ReplyTo.Tell(answer);
        _checker.Tell(new GuestPeSettled(_host, _vm, _id, $"{step.Call.Call}"));
        if (_faultDuringStep is { } faulted)
        {
            // A fault during the step: its freeze spreads now. After a step that left the PE
            // running, the guest was told so, and this is a new episode.
            _faultDuringStep = null;
            StartSpread(faulted, newEpisode: !_episode || step.Plan.Op is EehPeOp.UnfreezeDma or EehPeOp.ResetDeactivate or EehPeOp.Configure or EehPeOp.InjectErr);
        }
        else if (_episode && _states.Values.All(Running))
        {
            _episode = false;
        }
        if (!Busy) Stash.UnstashAll();
    }
}
