using Fabric.Persistence;
using Akka.Actor;
using Akka.Configuration;
using Fabric.Host;
using Fabric.Hosting.Cluster;
using Fabric.Messages;

namespace Fabric.Hosting;

/// <summary>
/// One fabric in one process: an ActorSystem with a host actor per simulated physical host.
/// The trace runner, the benchmark and the tests all drive the fabric through this.
/// </summary>
public sealed class FabricRuntime : IAsyncDisposable
{
    private readonly Dictionary<string, (IActorRef Actor, HostMemory? Memory)> _hosts = new();

    public FabricRuntime(Config config, string systemName = "fabric")
    {
        FabricConfig.PrepareJournal(config);
        System = ActorSystem.Create(systemName, SqlitePluginConnections.Setup(config));
        Durability = FabricConfig.Durability(System.Settings.Config);
    }

    public FabricRuntime(ActorSystem system)
    {
        System = system;
        Durability = FabricConfig.Durability(system.Settings.Config);
    }

    /// <summary>
    /// A fabric whose hosts are sharded over a cluster: every message for a host goes, in a
    /// <see cref="ToHost"/>, through <paramref name="hostRegion"/> (a shard region or proxy).
    /// Hypercalls travel in batches unless <paramref name="batchHcalls"/> (default:
    /// fabric.cluster.batch-hcalls) says otherwise.
    /// </summary>
    public FabricRuntime(ActorSystem system, IActorRef hostRegion, bool? batchHcalls = null) : this(system)
    {
        _hostRegion = hostRegion;
        _batchHcalls = batchHcalls ?? system.Settings.Config.GetBoolean("fabric.cluster.batch-hcalls", true);
    }

    private readonly IActorRef? _hostRegion;
    private readonly bool _batchHcalls;

    public ActorSystem System { get; }

    /// <summary>The hosts run on cluster members; this process only sends them messages.</summary>
    public bool IsCluster => _hostRegion is not null;
    public DurabilityMode Durability { get; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyCollection<string> Hosts => _hosts.Keys;

    /// <summary>The host's actor, started on first use (it recovers its topology from the journal).</summary>
    public IActorRef Host(string name) => HostEntry(name).Actor;

    /// <summary>The memory the host's actors share (guest RAM, hardware tables, kill registers); in one process only.</summary>
    public HostMemory Memory(string host) => HostEntry(host).Memory
        ?? throw new InvalidOperationException($"host {host} runs on a cluster node: its memory is there, not in this process");

    public bool HasHost(string name) => _hosts.ContainsKey(name);

    // In a cluster the host's entry is a local stand-in that wraps each message for the region:
    // callers hold an IActorRef for a host either way.
    private (IActorRef Actor, HostMemory? Memory) HostEntry(string name)
    {
        if (_hosts.TryGetValue(name, out var h)) return h;
        if (_hostRegion is not null)
            h = (System.ActorOf(HostRoute.Props(name, _hostRegion, _batchHcalls)), null);
        else
        {
            var memory = new HostMemory(name);
            h = (System.ActorOf(HostActor.Props(name, memory, Durability), $"host-{name}"), memory);
        }
        _hosts[name] = h;
        return h;
    }

    public Task<SetupResult> Setup(string host, IHostCommand command) =>
        Host(host).Ask<SetupResult>(command, Timeout);

    /// <summary>A hypercall from a vCPU; unknown VM or vCPU gives a failed <see cref="SetupResult"/> instead.</summary>
    public async Task<object> Hcall(string host, string vm, int vcpu, IHypercall call) =>
        await Host(host).Ask<object>(new RunHcall(vm, vcpu, call), Timeout);

    public async Task<object> Dma(string host, int group, ulong ioba, DmaDirection dir) =>
        await Host(host).Ask<object>(new DeviceDma(group, ioba, dir), Timeout);

    /// <summary>A host command whose answer is not a <see cref="SetupResult"/> (hot reset info, an mdev's DMA); a failure is one.</summary>
    public async Task<object> Ask(string host, IHostCommand command) =>
        await Host(host).Ask<object>(command, Timeout);

    public Task<InvariantReport> Invariants(string host) =>
        Host(host).Ask<InvariantReport>(GetInvariantReport.Instance, Timeout);

    public async ValueTask DisposeAsync()
    {
        await System.Terminate();
    }
}
