using System.Diagnostics;
using Akka.Actor;
using Fabric.Hosting.Replay;
using Fabric.Hosting.Trace;
using Fabric.Messages;
using Fabric.Vcpu;
using Microsoft.Data.Sqlite;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// Runs a scenario on a fabric: builds its topology, starts every workload on its vCPUs (the
/// vCPU actors run the calls themselves), lets devices DMA through the windows, injects the
/// faults, and when the calls are made or the time is up gathers the report: calls by kind and
/// return code, latency overall and per hop, DMAs, faults, and the invariant checkers' findings.
/// </summary>
public sealed class ScenarioRunner(FabricRuntime fabric, Scenario scenario)
{
    /// <summary>One call in this many carries hop timestamps (a power of two).</summary>
    public const int HopSample = 16;

    public RunStats Stats { get; } = new();

    /// <summary>The calls the guests were answered, checked against the journal after a strict run.</summary>
    public AcknowledgedCalls Acknowledged { get; } = new();

    /// <summary>The calls the run will make, when a call budget ends it (for a progress bar).</summary>
    public long? PlannedCalls => scenario.Calls;

    public TimeSpan? PlannedDuration => scenario.Duration;

    /// <summary>How long a recovery driver may take, once the run is over, to recover the events still owed.</summary>
    public static readonly TimeSpan RecoveryGrace = TimeSpan.FromSeconds(20);

    /// <summary>
    /// On a cluster, kills the member a node-kill fault names (or one picked with its generator)
    /// and says which it was; set by whoever started the members.
    /// </summary>
    public Func<FaultSpec, Random, Task<string>>? KillNode { get; init; }

    public async Task<RunReport> Run(CancellationToken cancel = default)
    {
        var memory = RunMemory.Begin();
        await TopologyBuilder.Build(fabric, scenario);
        var plan = WorkloadPlan.Of(scenario);
        var clock = Stopwatch.StartNew();
        // Guests boot first, all at once; then their drivers run and the faults begin.
        var boot = await PseriesBootWorkloads.Run(fabric, scenario, Stats);
        var deadline = scenario.Duration ?? TimeSpan.MaxValue;
        using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var stopDevices = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        // The guests' EEH cores listen before the first freeze can be injected.
        var recoveries = scenario.Workloads.Where(w => w.Kind == WorkloadKind.EehRecovery)
            .Select(w => new EehRecoveryRun(fabric, w, scenario.Vms.First(v => v.Name == w.Vm))).ToList();
        var faults = new FaultInjector(fabric, scenario) { KillNode = KillNode };
        // The EEH timeline's times are from here, as the fault injector's are.
        var origin = Stopwatch.GetTimestamp();
        foreach (var r in recoveries) r.Start(origin);
        var faulting = faults.Run(stopFaults.Token);

        var vcpus = new List<Task<WorkloadDone>>();
        foreach (var a in plan)
        {
            var generate = WorkloadPlan.Generator(a.Workload.Kind);
            var seed = HashCode.Combine(scenario.Seed, a.Workload.Name);
            var (slice, index) = (a.Slice, a.Vcpu);
            Func<long, IHypercall?> next = n => clock.Elapsed < deadline && !cancel.IsCancellationRequested ? generate(slice, seed, index, n) : null;
            if (fabric.IsCluster)
            {
                vcpus.Add(DriveFromHere(a, next, Acknowledged.For(a.Vm, Stats)));
                continue;
            }
            var vcpu = await fabric.System.ActorSelection($"/user/host-{a.Vm.Host}/vm-{a.Vm.Name}/vcpu-{a.Vcpu}").ResolveOne(fabric.Timeout);
            vcpus.Add(vcpu.Ask<WorkloadDone>(new RunWorkload(next, a.Calls, Acknowledged.For(a.Vm, Stats), HopSample), Timeout.InfiniteTimeSpan));
        }
        var devices = Devices(plan, stopDevices.Token);
        var traces = Traces(cancel);

        await Task.WhenAll(vcpus);
        var traceResults = await traces;
        var elapsed = clock.Elapsed;
        await stopFaults.CancelAsync();
        await faulting;
        faults.Heal();
        await stopDevices.CancelAsync();
        await devices;
        var eeh = await Task.WhenAll(recoveries.Select(r => r.Finish(RecoveryGrace)));

        var violations = new List<string>();
        foreach (var host in scenario.Hosts)
            violations.AddRange((await fabric.Invariants(host.Name)).Violations.Select(v => v.ToString()));
        var (journal, bytes, rows) = JournalSize();
        var check = await CheckJournal(cancel);
        return new RunReport(scenario, elapsed, Stats, faults.Crashes, faults.KillFaults, faults.Timeline, violations, traceResults, journal, bytes, rows, check, faults.JournalFaults)
        {
            NodeKills = faults.NodeKills,
            Boot = boot,
            CrashesAbsorbed = faults.Absorbed,
            Memory = RunMemory.Since(memory),
            Recoveries = eeh,
        };
    }

    /// <summary>
    /// On a cluster the vCPU actors run on the members, and a workload (a function making its
    /// calls) cannot travel: this process makes each vCPU's calls, one at a time as the vCPU
    /// would, and observes their answers. A call unanswered within the scenario's hcall-timeout
    /// (lost with a killed member) is abandoned, never acknowledged, and the next one goes.
    /// </summary>
    private async Task<WorkloadDone> DriveFromHere(VcpuAssignment a, Func<long, IHypercall?> next, IHcallObserver observer)
    {
        var timeout = scenario.HcallTimeout ?? fabric.Timeout;
        long n = 0, failed = 0;
        var first = HcallReturn.Success;
        for (; n < a.Calls && next(n) is { } call; n++)
        {
            var started = Stopwatch.GetTimestamp();
            object answer;
            try
            {
                answer = await fabric.Host(a.Vm.Host).Ask<object>(new RunHcall(a.Vm.Name, a.Vcpu, call), timeout);
            }
            catch (AskTimeoutException)
            {
                observer.Abandoned(a.Vcpu, call);
                continue;
            }
            if (answer is not HcallResult r)
            {
                // Refused before any vCPU had it (the host is moving): no call was made.
                observer.Abandoned(a.Vcpu, call);
                continue;
            }
            observer.Answered(a.Vcpu, r.CallId, call, r.Ret, Stopwatch.GetTimestamp() - started, null);
            if (r.Ret != HcallReturn.Success && failed++ == 0) first = r.Ret;
        }
        return new WorkloadDone(a.Vcpu, n, failed, first);
    }

    /// <summary>
    /// The devices behind each window's PEs DMA at random bus addresses of the slices its
    /// workloads map, one DMA at a time per PE, until the vCPUs are done: the invariant checker
    /// judges every one against what the guest had mapped.
    /// </summary>
    private Task Devices(IReadOnlyList<VcpuAssignment> plan, CancellationToken stop)
    {
        var loops = plan.Where(a => a.Workload.Dma && a.Workload.Kind != WorkloadKind.Adversarial)
            .GroupBy(a => (a.Vm.Host, a.Window))
            .SelectMany(g => g.Key.Window.Pes.Select(pe => Device(g.Key.Host, pe, [.. g.Select(a => a.Slice)], stop)));
        return Task.WhenAll(loops);
    }

    private async Task Device(string host, int pe, Workloads.WorkloadSlice[] slices, CancellationToken stop)
    {
        var rng = new Random(HashCode.Combine(scenario.Seed, host, pe));
        long issued = 0;
        while (!stop.IsCancellationRequested)
        {
            // A device DMAs about as often as the guests call (two per call at most), rather than
            // as fast as it can: the DMAs would take the cores the vCPUs need, and every DMA is a
            // journal event a restarted PE replays.
            if (issued > 2 * Stats.Completed)
            {
                await Task.Delay(1, CancellationToken.None);
                continue;
            }
            issued++;
            var slice = slices[rng.Next(slices.Length)];
            // Most DMAs go where the guest has mapped lately (a device uses what its driver mapped,
            // and races the unmap), the rest anywhere in the slices.
            var recent = Stats.LastIoba(slice.Liobn) >> slice.PageShift;
            var page = recent != 0 && rng.Next(4) != 0
                ? recent - Math.Min(recent, 9 * (ulong)rng.Next((int)Workloads.GuestWorkload.NetworkRing)) + (ulong)rng.Next(9)
                : slice.Ioba((ulong)rng.NextInt64((long)slice.Count)) >> slice.PageShift;
            var ioba = (page << slice.PageShift) | ((ulong)rng.Next(0, 1 << Math.Min(slice.PageShift, 12)) & ~7UL);
            var dir = rng.Next(2) == 0 ? DmaDirection.Read : DmaDirection.Write;
            try
            {
                // A device does not wait long: a DMA lost with a crashed PE is a DMA that never was.
                if (await fabric.Host(host).Ask<object>(new DeviceDma(pe, ioba, dir), TimeSpan.FromSeconds(2)) is DmaResult r) Stats.Dma(r.Outcome);
            }
            catch (AskTimeoutException)
            {
                // A PE restarting under a crash fault answers nothing for a while; try again.
            }
        }
    }

    private async Task<IReadOnlyList<TraceWorkloadResult>> Traces(CancellationToken cancel)
    {
        var results = new List<TraceWorkloadResult>();
        foreach (var w in scenario.Workloads.Where(w => w.Kind == WorkloadKind.Trace))
        {
            var output = new StringWriter();
            var exit = await new TraceRunner(fabric, output, output).RunFile(w.TraceFile!);
            results.Add(new TraceWorkloadResult(w.Name, w.TraceFile!, exit, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length));
        }
        return results;
    }

    /// <summary>
    /// In strict durability every call a guest was answered is in the journal before the answer
    /// left: read the journal back (once the fabric has written all it will) and count those that
    /// are not. Null for a journal in memory, or a durability that does not promise it.
    /// </summary>
    private async Task<AcknowledgedCheck?> CheckJournal(CancellationToken cancel)
    {
        var config = fabric.System.Settings.Config;
        if (Persistence.FabricConfig.Durability(config) != Persistence.DurabilityMode.Strict) return null;
        using IJournalSource? journal = Persistence.FabricConfig.Journal(config) switch
        {
            Persistence.JournalKind.Sqlite => SqliteJournalSource.Open(config.GetString("fabric.sqlite-file")),
            Persistence.JournalKind.Postgres => PostgresJournalSource.Of(config),
            _ => null,
        };
        return journal is null ? null : await Acknowledged.Check(journal, cancel);
    }

    /// <summary>Where the run's events went, and how large the journal is (SQLite: file size and rows).</summary>
    private (string Journal, long? Bytes, long? Rows) JournalSize()
    {
        var config = fabric.System.Settings.Config;
        var kind = config.GetString("fabric.journal", "memory");
        if (kind != "sqlite") return (kind, null, null);
        var file = config.GetString("fabric.sqlite-file", "");
        if (!File.Exists(file)) return (file, null, null);
        long bytes = new FileInfo(file).Length + (File.Exists(file + "-wal") ? new FileInfo(file + "-wal").Length : 0);
        using var c = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var q = c.CreateCommand();
        q.CommandText = "SELECT COUNT(*) FROM journal";
        return (file, bytes, (long)q.ExecuteScalar()!);
    }
}
