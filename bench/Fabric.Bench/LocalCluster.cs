using Akka.Configuration;
using Fabric.Hosting.Cluster;

namespace Fabric.Bench;

/// <summary>Three host members and a client member in this process, over loopback; the client is the last.</summary>
public static class LocalCluster
{
    /// <summary>Starts them, adding each to <paramref name="members"/> as it starts (so the caller can stop what started).</summary>
    public static async Task<FabricNode> Start(Config config, List<FabricNode> members)
    {
        members.Add(await FabricNode.Start(new NodeOptions(0, [], NodeRole.Host), config, TimeSpan.FromSeconds(30)));
        var seed = $"127.0.0.1:{members[0].Address.Port}";
        for (var i = 1; i < 3; i++) members.Add(await FabricNode.Start(new NodeOptions(0, [seed], NodeRole.Host), config, TimeSpan.FromSeconds(30)));
        var client = await FabricNode.Start(new NodeOptions(0, [seed], NodeRole.Client), config, TimeSpan.FromSeconds(30));
        members.Add(client);
        return client;
    }
}
