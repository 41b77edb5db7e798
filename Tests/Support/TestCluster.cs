using Akka.Configuration;
using Fabric.Hosting.Cluster;
using Fabric.Persistence;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests.Support;

/// <summary>
/// Several cluster members in this process (as Akka's own sharding specs do): ports picked by
/// the system, loopback, one SQLite journal file they share, the shipped (loopback) failover
/// settings. Disposing stops every member and removes the file.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(20);
    private readonly List<FabricNode> _members = new();

    private TestCluster(string journal, Config config)
    {
        Journal = journal;
        Config = config;
    }

    public string Journal { get; }
    public Config Config { get; }
    public IReadOnlyList<FabricNode> Members => _members;

    /// <summary>
    /// The shipped failover settings (fabric.cluster.failover = loopback), so the failover tests
    /// measure what users get; only the log is quiet and a stopped member does not leave.
    /// </summary>
    public static Config Quiet { get; } = ConfigurationFactory.ParseString("""
        # Members killed and stopped at once fill the log with remoting errors the tests expect.
        akka.loglevel = OFF
        # A killed member stops without leaving, as a process killed with SIGKILL.
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """);

    /// <summary>Starts <paramref name="hosts"/> host members (the first one seeds) on a fresh journal.</summary>
    public static async Task<TestCluster> Start(int hosts, Config? overrides = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"fabric-cluster-{Guid.NewGuid():N}.db");
        var config = FabricConfig.Build(JournalKind.Sqlite, file, (overrides ?? Config.Empty).WithFallback(Quiet));
        var cluster = new TestCluster(file, config);
        try
        {
            for (var i = 0; i < hosts; i++) await cluster.Add(NodeRole.Host);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>The seed every later member joins through: the first member.</summary>
    public string Seed => $"127.0.0.1:{_members[0].Address.Port}";

    /// <summary>A member with <paramref name="overrides"/> over the cluster's configuration, joining through <see cref="Seed"/>.</summary>
    public async Task<FabricNode> Add(NodeRole role, Config? overrides = null, NodeOptions? options = null, TimeSpan? joinTimeout = null)
    {
        var o = options ?? new NodeOptions(0, _members.Count == 0 ? [] : [Seed], role);
        var node = await FabricNode.Start(o, (overrides ?? Config.Empty).WithFallback(Config), joinTimeout ?? JoinTimeout);
        _members.Add(node);
        return node;
    }

    /// <summary>Stops a member without leaving the cluster: the others only see it stop answering.</summary>
    public async Task Kill(FabricNode node)
    {
        _members.Remove(node);
        await node.System.Terminate();
    }

    public async ValueTask DisposeAsync()
    {
        // All at once, without the hand-over a graceful leave would wait for.
        await Task.WhenAll(_members.Select(m => m.System.Terminate().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { })));
        _members.Clear();
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { Journal, Journal + "-wal", Journal + "-shm" }) File.Delete(f);
    }
}
