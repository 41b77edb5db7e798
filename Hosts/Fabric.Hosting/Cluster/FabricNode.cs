using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using Fabric.Host;
using Fabric.Persistence;
using AkkaCluster = Akka.Cluster.Cluster;

namespace Fabric.Hosting.Cluster;

/// <summary>
/// One member of a Fabric cluster: an ActorSystem that has joined, with the shard region of
/// hosts (a host node runs some of them; a client reaches them through a proxy) and a
/// <see cref="FabricRuntime"/> over that region, so the trace runner and workloads drive a
/// cluster as they drive one process.
/// </summary>
public sealed class FabricNode : IAsyncDisposable
{
    private FabricNode(ActorSystem system, IActorRef region, NodeRole role)
    {
        System = system;
        Region = region;
        Role = role;
        Runtime = new FabricRuntime(system, region);
    }

    public ActorSystem System { get; }
    public IActorRef Region { get; }
    public NodeRole Role { get; }
    public FabricRuntime Runtime { get; }
    public AkkaCluster Cluster => AkkaCluster.Get(System);
    public Address Address => Cluster.SelfAddress;

    /// <summary>
    /// Starts a member with <paramref name="fabric"/> (from FabricConfig.Build) and waits until it
    /// is Up, then starts its region. A member that is not Up within <paramref name="joinTimeout"/>
    /// is stopped and <see cref="TimeoutException"/> names the seeds it tried.
    /// </summary>
    public static async Task<FabricNode> Start(NodeOptions options, Config fabric, TimeSpan joinTimeout)
    {
        var config = ClusterConfig.Build(options, fabric);
        FabricConfig.PrepareJournal(config);
        var system = ActorSystem.Create(NodeOptions.SystemName, SqlitePluginConnections.Setup(config, Setup(config)));
        try
        {
            var cluster = AkkaCluster.Get(system);
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            cluster.RegisterOnMemberUp(() => up.TrySetResult());
            if (options.Seeds.Count == 0) cluster.Join(cluster.SelfAddress);
            try
            {
                await up.Task.WaitAsync(joinTimeout);
            }
            catch (TimeoutException)
            {
                var through = options.Seeds.Count == 0 ? "itself" : string.Join(", ", options.Seeds);
                throw new TimeoutException($"{cluster.SelfAddress} did not join the cluster through {through} within {joinTimeout.TotalSeconds:0} s; " +
                                           "check that a seed runs, with the same TLS setting and certificate");
            }
            var extractor = new HostShards(config.GetInt("fabric.cluster.number-of-shards"));
            var sharding = ClusterSharding.Get(system);
            var durability = FabricConfig.Durability(config);
            var region = options.Role == NodeRole.Host
                ? await sharding.StartAsync(HostShards.TypeName, id => HostActor.Props(id, new HostMemory(id), durability),
                    ClusterShardingSettings.Create(system), extractor)
                : await sharding.StartProxyAsync(HostShards.TypeName, HostShards.Role, extractor);
            return new FabricNode(system, region, options.Role);
        }
        catch
        {
            await system.Terminate();
            throw;
        }
    }

    /// <summary>The configuration, and with TLS on, the cluster's certificate pinned as the only peer accepted.</summary>
    static ActorSystemSetup Setup(Config config)
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(config);
        if (!config.GetBoolean("fabric.cluster.tls.enabled")) return ActorSystemSetup.Create(bootstrap);
        var path = config.GetString("akka.remote.dot-netty.tcp.ssl.certificate.path");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, config.GetString("fabric.cluster.tls.password", ""));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigurationException($"{path}: cannot read the cluster certificate ({e.Message}); fabric.cluster.tls.certificate needs a .pfx with its key, and tls.password its password");
        }
        var ssl = new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            customValidator: CertificateValidation.PinnedCertificate(certificate.Thumbprint));
        return ActorSystemSetup.Create(bootstrap, ssl);
    }

    /// <summary>Leaves the cluster (its hosts hand over to the other members first) and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        await System.WhenTerminated;
    }
}
