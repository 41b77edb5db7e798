using System.Diagnostics;
using Akka.Actor;
using Akka.Actor.Dsl;
using Fabric.KillRegister;
using Fabric.Messages;
using Fabric.Persistence;

namespace Fabric.Hosting.Scenario;

/// <summary>One fault the run injected, for the report's timeline.</summary>
public sealed record InjectedFault(TimeSpan At, string Fault, string Target, string Outcome);

/// <summary>
/// Injects a scenario's faults while its workloads run: kill faults on the way to the kill
/// registers of the hosts they name, crashes of actors picked at random among the kinds a crash
/// fault names, EEH freezes of host PEs, and failed journal writes (through the FaultyJournal
/// ScenarioConfig puts in front of the journal). Each fault draws from a generator seeded with
/// the scenario's seed and the fault's name (a hash of its own: .NET's string hashes change from
/// one process to the next), so a run with the same seed injects the same faults in the same
/// order (when they land depends on the actors' timing).
/// </summary>
public sealed class FaultInjector(FabricRuntime fabric, Scenario scenario)
{
    private readonly List<InjectedFault> _timeline = [];
    private readonly Dictionary<string, long> _crashes = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public IReadOnlyList<InjectedFault> Timeline
    {
        get { lock (_timeline) return [.. _timeline]; }
    }

    public IReadOnlyDictionary<string, long> Crashes
    {
        get { lock (_crashes) return new Dictionary<string, long>(_crashes); }
    }

    /// <summary>
    /// Of <see cref="Crashes"/>, those that reached a table or PE of this process still recovering
    /// from an earlier one (InjectedCrashAbsorbed): it was down already.
    /// </summary>
    public IReadOnlyDictionary<string, long> Absorbed
    {
        get { lock (_crashes) return new Dictionary<string, long>(_absorbed); }
    }

    private readonly Dictionary<string, long> _absorbed = new();

    public IReadOnlyDictionary<string, KillFaults> KillFaults { get; private set; } = new Dictionary<string, KillFaults>();

    /// <summary>Kills a cluster member for a node-kill fault (null: not on a cluster) and names it.</summary>
    public Func<FaultSpec, Random, Task<string>>? KillNode { get; init; }

    /// <summary>The members the node-kill faults killed, when, and which.</summary>
    public IReadOnlyList<InjectedFault> NodeKills
    {
        get { lock (_timeline) return [.. _nodeKills]; }
    }

    private readonly List<InjectedFault> _nodeKills = [];

    /// <summary>The journal-fail fault's writes and failures, if the scenario has one.</summary>
    public JournalFaults? JournalFaults { get; private set; }

    /// <summary>Starts every fault; they stop when <paramref name="stop"/> is cancelled.</summary>
    public async Task Run(CancellationToken stop)
    {
        InstallKillFaults();
        InstallJournalFaults();
        var absorbed = fabric.System.ActorOf(act => act.Receive<InjectedCrashAbsorbed>((m, _) => CountAbsorbed(m.Actor)));
        fabric.System.EventStream.Subscribe(absorbed, typeof(InjectedCrashAbsorbed));
        var loops = scenario.Faults.Select(f => f.Kind switch
        {
            FaultKind.Crash => Every(f, stop, rng => Crash(f, rng)),
            FaultKind.Freeze => Every(f, stop, _ => Freeze(f)),
            FaultKind.NodeKill => KillNodeAt(f, stop),
            _ => Task.CompletedTask,
        });
        try
        {
            await Task.WhenAll(loops);
        }
        finally
        {
            fabric.System.EventStream.Unsubscribe(absorbed);
            fabric.System.Stop(absorbed);
        }
    }

    private void CountAbsorbed(string actor)
    {
        var kind = actor.Contains("/tce-", StringComparison.Ordinal) ? "tce-table" : "host-pe";
        lock (_crashes) _absorbed[kind] = _absorbed.GetValueOrDefault(kind) + 1;
    }

    /// <summary>Ends the kill faults, so the kills still owed are delivered when they are sent again.</summary>
    public void Heal()
    {
        foreach (var host in KillFaults.Keys) fabric.Memory(host).KillFaults = null;
        if (JournalFaults is not null) Journal().Tell(new UseJournalFaults(null));
    }

    /// <summary>The journal the persistent actors write to: the FaultyJournal when the scenario has a journal-fail fault.</summary>
    private IActorRef Journal() => Akka.Persistence.Persistence.Instance.Apply(fabric.System).JournalFor(null);

    private void InstallJournalFaults()
    {
        if (scenario.Faults.FirstOrDefault(f => f.Kind == FaultKind.JournalFail) is not { } f) return;
        JournalFaults = new JournalFaults(Seed(scenario.Seed, f.Name), f.Rate, f.Every);
        Journal().Tell(new UseJournalFaults(JournalFaults));
    }

    /// <summary>A generator's seed from the scenario's and a name, the same in every process (FNV-1a).</summary>
    public static int Seed(int seed, string name)
    {
        var h = 2166136261u ^ (uint)seed;
        foreach (var c in name) h = (h ^ c) * 16777619u;
        return (int)h;
    }

    private void InstallKillFaults()
    {
        var kills = scenario.Faults.Where(f => f.Kind is FaultKind.KillDrop or FaultKind.KillDelay or FaultKind.KillDuplicate).ToList();
        var installed = new Dictionary<string, KillFaults>();
        foreach (var host in scenario.Hosts)
        {
            var mine = kills.Where(f => f.Host is null || f.Host == host.Name).ToList();
            if (mine.Count == 0) continue;
            double Rate(FaultKind k) => mine.Where(f => f.Kind == k).Sum(f => f.Rate);
            var delay = mine.FirstOrDefault(f => f.Kind == FaultKind.KillDelay)?.Delay ?? TimeSpan.FromMilliseconds(1);
            var faults = new KillFaults(Seed(scenario.Seed, host.Name), Rate(FaultKind.KillDrop), Rate(FaultKind.KillDelay),
                Rate(FaultKind.KillDuplicate), delay);
            fabric.Memory(host.Name).KillFaults = faults;
            installed[host.Name] = faults;
        }
        KillFaults = installed;
    }

    private async Task Every(FaultSpec f, CancellationToken stop, Func<Random, Task> inject)
    {
        var rng = new Random(Seed(scenario.Seed, f.Name));
        using var timer = new PeriodicTimer(f.Every);
        try
        {
            while (await timer.WaitForNextTickAsync(stop)) await inject(rng);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task KillNodeAt(FaultSpec f, CancellationToken stop)
    {
        var wait = f.At - _clock.Elapsed;
        try
        {
            if (wait > TimeSpan.Zero) await Task.Delay(wait, stop);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var at = _clock.Elapsed;
        var node = KillNode is null ? "no cluster: nothing killed" : await KillNode(f, new Random(Seed(scenario.Seed, f.Name)));
        lock (_timeline) _nodeKills.Add(new InjectedFault(at, f.Name, node, "killed"));
    }

    private Task Crash(FaultSpec f, Random rng)
    {
        var kind = f.Actors[rng.Next(f.Actors.Count)];
        var targets = Targets(kind);
        if (targets.Count == 0) return Task.CompletedTask;
        var path = targets[rng.Next(targets.Count)];
        fabric.System.ActorSelection(path).Tell(InjectedCrash.Instance);
        lock (_crashes) _crashes[kind] = _crashes.GetValueOrDefault(kind) + 1;
        return Task.CompletedTask;
    }

    /// <summary>The actor paths of one kind, from the scenario's topology (FabricRuntime names them).</summary>
    private List<string> Targets(string kind)
    {
        var paths = new List<string>();
        foreach (var vm in scenario.Vms)
        {
            var at = $"/user/host-{vm.Host}/vm-{vm.Name}";
            switch (kind)
            {
                case "tce-table":
                    paths.AddRange(vm.Windows.Select(w => $"{at}/tce-{w.Liobn:x}"));
                    break;
                case "router":
                    paths.Add($"{at}/liobns");
                    break;
                case "vcpu":
                    paths.AddRange(Enumerable.Range(0, vm.Vcpus).Select(v => $"{at}/vcpu-{v}"));
                    break;
            }
        }
        foreach (var host in scenario.Hosts)
        {
            if (kind == "host-pe") paths.AddRange(host.Pes.Select(p => $"/user/host-{host.Name}/pe-{p.Phb}.{p.Group}"));
            if (kind == "kill-register") paths.AddRange(host.Pes.Select(p => $"/user/host-{host.Name}/pe-{p.Phb}.{p.Group}/kill"));
        }
        return paths;
    }

    private async Task Freeze(FaultSpec f)
    {
        foreach (var host in scenario.Hosts.Where(h => f.Host is null || h.Name == f.Host))
            foreach (var pe in host.Pes.Where(p => f.Pe is null || p.Group == f.Pe))
            {
                // The time it was sent: the freeze may have spread and reached the guest before the answer is back.
                var at = _clock.Elapsed;
                var r = await fabric.Setup(host.Name, new EehInject(pe.Group, null));
                lock (_timeline)
                    _timeline.Add(new InjectedFault(at, f.Name, $"{host.Name} pe {pe.Group}", r.Succeeded ? "frozen" : r.Detail));
            }
    }
}
