using System.Diagnostics;
using System.Threading.Channels;
using Akka.Actor;
using Fabric.Hosting.Workloads;
using Fabric.Messages;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// One EEH event the guest got (null: the driver found the PE frozen again itself) and the
/// recovery its driver ran for it; times are from the start of the run: when the guest saw the
/// event, when each RTAS call of the recovery was answered.
/// </summary>
public sealed record EehEpisode(GuestEehEvent? Event, TimeSpan SeenAt, EehRecovery Recovery, IReadOnlyList<TimeSpan> StepsAt)
{
    /// <summary>When the first host PE froze: the guest PE took <see cref="GuestEehEvent.SpreadMicroseconds"/> to freeze the rest.</summary>
    public TimeSpan FirstFrozeAt => SeenAt - TimeSpan.FromMicroseconds(Math.Min(Event?.SpreadMicroseconds ?? 0, (long)SeenAt.TotalMicroseconds));

    public TimeSpan DoneAt => StepsAt.Count > 0 ? StepsAt[^1] : SeenAt;
}

/// <summary>
/// What an eeh-recovery workload did: EEH enabled on its guest PE, every event and its recovery,
/// and its host PEs' states once the run was over. <see cref="Failure"/>: the driver could not
/// finish (a call unanswered, an event left without a recovery).
/// </summary>
public sealed record EehRecoveryReport(string Workload, string Host, string Vm, int GuestPe, IReadOnlyList<int> HostPes,
    GuestPeRtasAnswer? Enabled, IReadOnlyList<EehEpisode> Episodes, IReadOnlyList<string> FinalStates, string? Failure)
{
    public string Name => $"{Vm} guest PE {GuestPe}";

    /// <summary>
    /// A recovery that ended without the PE because the PE froze again before it was over: a new
    /// event, or the driver finding the PE frozen, started the next recovery, which takes over.
    /// </summary>
    public bool Interrupted(int episode) => !Episodes[episode].Recovery.Recovered && episode + 1 < Episodes.Count;

    public int Recovered => Episodes.Count(e => e.Recovery.Recovered);

    public int GivenUp => Enumerable.Range(0, Episodes.Count).Count(i => !Episodes[i].Recovery.Recovered && !Interrupted(i));

    /// <summary>Every event recovered (or taken over by the next recovery) and every host PE running at the end.</summary>
    public bool AllRecovered => Failure is null && GivenUp == 0 && FinalStates.All(s => s == "normal");
}

/// <summary>
/// An eeh-recovery workload in a run: the guest's EEH core on one guest PE. It enables EEH on the
/// PE as Linux does when it probes a device (pseries_eeh_init_edev: ibm,set-eeh-option 1; from
/// then on a DMA the TCEs refuse freezes the PE; unless the workload says enable = off), then,
/// like Linux's eeh_event_handler thread, takes the guest PE's EEH events one at a time and runs
/// <see cref="EehRecoveryDriver"/> for each. When the run is over it waits for the recovery of
/// every event the guest PE sent, and reads its host PEs' states.
/// </summary>
public sealed class EehRecoveryRun
{
    private readonly FabricRuntime _fabric;
    private readonly WorkloadSpec _workload;
    private readonly VmSpec _vm;
    private long _origin;
    private readonly EehRecoveryDriver _driver;
    // An event the guest got, or (null) the guest finding its PE frozen with no event.
    private readonly Channel<(GuestEehEvent? Event, long At)> _events = Channel.CreateUnbounded<(GuestEehEvent?, long)>();
    private int _foundFrozen;
    // A PE that stays frozen after this many such finds is left as it is, for the report to show.
    private const int MaxFoundFrozen = 3;
    private readonly List<EehEpisode> _episodes = [];
    private IActorRef? _inbox;
    private Task _loop = Task.CompletedTask;
    private GuestPeRtasAnswer? _enabled;
    private int _eventsRecovered;
    private volatile bool _recovering;
    private string? _failure;

    public EehRecoveryRun(FabricRuntime fabric, WorkloadSpec workload, VmSpec vm)
    {
        _fabric = fabric;
        _workload = workload;
        _vm = vm;
        _driver = new EehRecoveryDriver(fabric, vm.Host, vm.Name, GuestPe) { DriversNeedReset = workload.NeedsReset };
    }

    private int GuestPe => _workload.GuestPe!.Value;

    /// <summary>Listens for the guest PE's events and enables EEH on it; call before any fault is injected.</summary>
    /// <param name="origin">The run's start (<see cref="Stopwatch"/> ticks); the report's times are from it.</param>
    public void Start(long origin)
    {
        _origin = origin;
        var writer = _events.Writer;
        var (host, vm, id) = (_vm.Host, _vm.Name, GuestPe);
        _inbox = _fabric.System.ActorOf(Props.Create(() => new Inbox(writer, host, vm, id)));
        _fabric.System.EventStream.Subscribe(_inbox, typeof(GuestEehEvent));
        _loop = Loop();
    }

    private async Task Loop()
    {
        try
        {
            if (_workload.EnableEeh)
                _enabled = (GuestPeRtasAnswer)await _fabric.Ask(_vm.Host, new GuestPeRtasCall(_vm.Name, GuestPe, EehRtasCall.SetEehOption, 1));
            await foreach (var (e, at) in _events.Reader.ReadAllAsync())
            {
                _recovering = true;
                var (ev, seen) = (e, at);
                while (true)
                {
                    var recovery = await _driver.Recover();
                    lock (_episodes) _episodes.Add(new EehEpisode(ev, Since(seen), recovery, [.. recovery.Steps.Select(s => Since(s.AnsweredAt))]));
                    if (recovery.Recovered || !StillFrozen(recovery) || _events.Reader.TryPeek(out _)) break;
                    // A freeze during the recovery that the guest PE counted in the same episode
                    // sends no event; in Linux the drivers' next read returns all ones and
                    // eeh_dev_check_failure finds the PE frozen and queues an event of its own.
                    (ev, seen) = (null, Stopwatch.GetTimestamp());
                }
                Interlocked.Increment(ref _eventsRecovered);
                _recovering = false;
            }
        }
        catch (Exception e) when (e is AskTimeoutException or InvalidCastException)
        {
            _failure = $"the recovery driver stopped: {e.Message}";
        }
    }

    /// <summary>The recovery's last read of the PE's state says it is frozen (not unavailable: that one is given up).</summary>
    private static bool StillFrozen(EehRecovery r) =>
        r.Steps.LastOrDefault(s => s.Call.Call == EehRtasCall.ReadSlotResetState2) is { Answer.Outputs: [var state, ..] } &&
        (EehReportedState)state is EehReportedState.StoppedIoDma or EehReportedState.StoppedDma;

    private TimeSpan Since(long timestamp) => Stopwatch.GetElapsedTime(_origin, timestamp);

    /// <summary>
    /// Once the faults and the devices have stopped: waits (up to <paramref name="timeout"/>) until
    /// every event the guest PE has sent has had its recovery, then stops listening.
    /// </summary>
    public async Task<EehRecoveryReport> Finish(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        string[] states = [];
        while (_failure is null)
        {
            // The guest PE answers once no freeze is spreading and no step is running.
            if (await _fabric.Ask(_vm.Host, new GetGuestPeReport(_vm.Name, GuestPe)) is not GuestPeReport report)
            {
                _failure = "the guest PE did not report its events";
                break;
            }
            states = report.States;
            var recovered = Volatile.Read(ref _eventsRecovered);
            var idle = recovered >= report.Events.Length + _foundFrozen && !_recovering && !_events.Reader.TryPeek(out _);
            if (idle && _foundFrozen < MaxFoundFrozen && states.Any(s => s.Contains("frozen", StringComparison.Ordinal)))
            {
                // Frozen with no event left: a freeze that spread as the last recovery ended was
                // counted in its episode. In Linux the drivers' next read returns all ones and
                // eeh_dev_check_failure finds the PE frozen and queues an event; so does the guest here.
                _foundFrozen++;
                _events.Writer.TryWrite((null, Stopwatch.GetTimestamp()));
                continue;
            }
            if (idle) break;
            if (deadline.Elapsed > timeout)
            {
                _failure = $"{report.Events.Length - recovered} of the guest PE's {report.Events.Length} events had no recovery {timeout.TotalSeconds:F0} s after the run";
                break;
            }
            await Task.Delay(10);
        }
        _fabric.System.EventStream.Unsubscribe(_inbox!);
        _fabric.System.Stop(_inbox!);
        _events.Writer.TryComplete();
        if (_failure is null) await _loop;
        var hostPes = _vm.Windows.First(w => w.GuestPe == GuestPe).Pes;
        lock (_episodes)
            return new EehRecoveryReport(_workload.Name, _vm.Host, _vm.Name, GuestPe, hostPes, _enabled, [.. _episodes], states, _failure);
    }

    /// <summary>The guest's side of the event stream: its guest PE's events, stamped as they arrive.</summary>
    private sealed class Inbox : ReceiveActor
    {
        public Inbox(ChannelWriter<(GuestEehEvent?, long)> events, string host, string vm, int id) =>
            Receive<GuestEehEvent>(e =>
            {
                if (e.Host == host && e.Vm == vm && e.GuestPe == id) events.TryWrite((e, Stopwatch.GetTimestamp()));
            });
    }
}
