using Akka.Actor;
using Akka.Event;
using Fabric.Messages;

namespace Fabric.Vcpu;

/// <summary>
/// Run a workload on a vCPU: up to Count calls, made one after another by the vCPU itself;
/// the workload ends early when NextCall returns null. Local only: the workload is code.
/// </summary>
/// <param name="SampleHops">Every this many calls (a power of two; 0: none) carries <see cref="HopTimes"/> for the observer.</param>
public sealed record RunWorkload(Func<long, IHypercall?> NextCall, long Count, IHcallObserver? Observer = null, int SampleHops = 0);

/// <summary>
/// Sees each answer of a workload's calls on the vCPU's own thread (a run report counts them);
/// the elapsed time is in <see cref="System.Diagnostics.Stopwatch"/> ticks.
/// </summary>
public interface IHcallObserver
{
    void Answered(int vcpu, long callId, IHypercall call, HcallReturn ret, long elapsedTicks, HopTimes? hops);

    /// <summary>The vCPU restarted with the call in the hypervisor: its answer will never be seen.</summary>
    void Abandoned(int vcpu, IHypercall call);
}

/// <summary>A restarted vCPU picks up the workload its earlier incarnation was running.</summary>
internal sealed record ResumeWorkload(RunWorkload Workload, long Issued, long Failed, HcallReturn FirstFailure, IActorRef ReportTo, long Seq);

/// <summary>How a workload went (sent to whoever started it): calls made and how many did not return H_SUCCESS.</summary>
public sealed record WorkloadDone(int Vcpu, long Calls, long Failed, HcallReturn FirstFailure);

/// <summary>
/// A guest vCPU: it makes one hypercall at a time, as a real vCPU is stopped in the
/// hypervisor until the call returns; further requests wait their turn.
/// </summary>
public sealed class VcpuActor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    /// <summary>The watchdog's tick: is the call in the hypervisor older than the timeout?</summary>
    private sealed record Watchdog
    {
        public static readonly Watchdog Tick = new();
    }

    private readonly TimeSpan _timeout;
    private long _sentAt;
    private bool _awaiting;
    private ulong _inFlightLiobn;
    private IHypercall? _inFlightCall;
    private HopTimes? _inFlightHops;
    private readonly IActorRef _router;
    private readonly long _callIdBase;
    private readonly Func<int> _incarnation;
    private long _seq;
    private IActorRef _caller = ActorRefs.Nobody;
    private long _callerTag;
    private long _inFlight;

    private readonly int _index;
    private RunWorkload? _workload;
    private long _workloadIssued;
    private long _workloadFailed;
    private HcallReturn _firstFailure;
    private IActorRef _workloadReportTo = ActorRefs.Nobody;

    public VcpuActor(int index, IActorRef router, Func<int>? incarnation = null)
    {
        _index = index;
        _timeout = Context.System.Settings.Config.GetTimeSpan("fabric.hcall-timeout", TimeSpan.FromSeconds(30));
        _router = router;
        _incarnation = incarnation ?? (() => 0);
        // Call ids are unique per VM: the vCPU number in the high bits.
        _callIdBase = (long)(index + 1) << 40;
        Idle();
    }

    /// <summary>
    /// The next call's id: the vCPU in bits 40 and up, the host's incarnation (HostRestarted;
    /// modulo 256) in bits 32-39, the call's number in the rest, so a host that started again
    /// from its journal never numbers a call as one it made before (in its first incarnation
    /// the ids are the vCPU's base plus 1, 2, 3...).
    /// </summary>
    private long NextCallId() => _callIdBase | ((long)(_incarnation() & 0xFF) << 32) | (++_seq & 0xFFFF_FFFF);

    public IStash Stash { get; set; } = null!;
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Nothing answered in fabric.hcall-timeout (its table is gone, or a message was lost): the
    /// guest gets H_HARDWARE rather than a vCPU stuck in the hypervisor for ever.
    /// </summary>
    private void Send(IHypercall call, HopTimes? hops = null)
    {
        _inFlightLiobn = call.Liobn;
        _inFlightCall = call;
        _sentAt = System.Diagnostics.Stopwatch.GetTimestamp();
        _awaiting = true;
        _inFlightHops = hops;
        if (hops is not null) hops.Sent = _sentAt;
        _router.Tell(new Hcall(_inFlight, call, hops));
    }

    /// <summary>
    /// One periodic timer per vCPU, not one per call: arming a timer for every hypercall cost a
    /// fifth of the in-memory throughput.
    /// </summary>
    protected override void PreStart() =>
        Timers.StartPeriodicTimer("watchdog", Watchdog.Tick, _timeout / 4 > TimeSpan.Zero ? _timeout / 4 : _timeout);

    private bool TimedOut(out HcallResult result)
    {
        result = new HcallResult(_inFlight, HcallReturn.Hardware, _inFlightLiobn);
        if (!_awaiting || System.Diagnostics.Stopwatch.GetElapsedTime(_sentAt) < _timeout) return false;
        Context.GetLogger().Warning("vcpu {0}: call #{1} to LIOBN 0x{2:x} had no answer in {3}; the guest gets H_HARDWARE", _index, _inFlight, _inFlightLiobn, _timeout);
        return true;
    }

    public static Props Props(int index, IActorRef router, Func<int>? incarnation = null) =>
        Akka.Actor.Props.Create(() => new VcpuActor(index, router, incarnation));

    private void Idle()
    {
        Receive<RunHcall>(r =>
        {
            _caller = Sender;
            _callerTag = r.Tag;
            _inFlight = NextCallId();
            Send(r.Call);
            Become(InHypervisor);
        });
        // A late answer to a call that timed out, or a tick with nothing in the hypervisor.
        Receive<HcallResult>(_ => { });
        Receive<Watchdog>(_ => { });
        Receive<RunWorkload>(w =>
        {
            _workload = w;
            _workloadReportTo = Sender;
            _workloadIssued = 0;
            _workloadFailed = 0;
            _firstFailure = HcallReturn.Success;
            Become(RunningWorkload);
            NextWorkloadCall();
        });
        Receive<ResumeWorkload>(r =>
        {
            _workload = r.Workload;
            _workloadReportTo = r.ReportTo;
            _workloadIssued = r.Issued;
            _workloadFailed = r.Failed;
            _firstFailure = r.FirstFailure;
            _seq = r.Seq;
            Become(RunningWorkload);
            NextWorkloadCall();
        });
    }

    private void Answered(HcallResult res)
    {
        if (res.CallId != _inFlight || !_awaiting) return;
        _awaiting = false;
        _caller.Tell(_callerTag == 0 ? res : res with { Tag = _callerTag });
        _caller = ActorRefs.Nobody;
        Stash.UnstashAll();
        Become(Idle);
    }

    private void WorkloadAnswered(HcallResult res)
    {
        if (res.CallId != _inFlight || !_awaiting) return;
        _awaiting = false;
        if (res.Ret != HcallReturn.Success && _workloadFailed++ == 0) _firstFailure = res.Ret;
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_inFlightHops is { } hops) hops.Answered = now;
        _workload!.Observer?.Answered(_index, res.CallId, _inFlightCall!, res.Ret, now - _sentAt, _inFlightHops);
        NextWorkloadCall();
    }

    private void RunningWorkload()
    {
        Receive<HcallResult>(WorkloadAnswered);
        Receive<Watchdog>(_ =>
        {
            if (TimedOut(out var result)) WorkloadAnswered(result);
        });
        Receive<RunHcall>(_ => Stash.Stash());
        Receive<RunWorkload>(_ => Stash.Stash());
    }

    /// <summary>
    /// A crash of the vCPU actor is not the end of the guest's workload: the next incarnation
    /// resumes it, with call ids that go on from here (they stay unique per VM); the call that
    /// was in the hypervisor is abandoned, as its answer would reach an actor that never sent it.
    /// </summary>
    protected override void PreRestart(Exception reason, object message)
    {
        if (_workload is not null)
        {
            if (_awaiting && _inFlightCall is not null) _workload.Observer?.Abandoned(_index, _inFlightCall);
            Self.Tell(new ResumeWorkload(_workload, _workloadIssued, _workloadFailed, _firstFailure, _workloadReportTo, _seq));
        }
        base.PreRestart(reason, message);
    }

    /// <summary>A fault injection (fabric run's crash fault) crashes the actor whatever it is doing.</summary>
    protected override bool AroundReceive(Receive receive, object message) =>
        message is InjectedCrash ? throw new InjectedCrashException(Self.Path.ToString()) : base.AroundReceive(receive, message);

    private void NextWorkloadCall()
    {
        var w = _workload!;
        var call = _workloadIssued < w.Count ? w.NextCall(_workloadIssued) : null;
        if (call is null)
        {
            _workloadReportTo.Tell(new WorkloadDone(_index, _workloadIssued, _workloadFailed, _firstFailure));
            _workload = null;
            Stash.UnstashAll();
            Become(Idle);
            return;
        }
        _inFlight = NextCallId();
        var sampled = w.SampleHops > 0 && (_workloadIssued & (w.SampleHops - 1)) == 0;
        _workloadIssued++;
        Send(call, sampled ? new HopTimes() : null);
    }

    private void InHypervisor()
    {
        Receive<HcallResult>(Answered);
        Receive<Watchdog>(_ =>
        {
            if (TimedOut(out var result)) Answered(result);
        });
        Receive<RunHcall>(_ => Stash.Stash());
    }
}
