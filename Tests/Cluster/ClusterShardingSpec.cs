using Akka.Actor;
using Akka.Cluster;
using Fabric.Hosting.Cluster;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Cluster;

/// <summary>Three host members and a client in this process: formation, hosts spread over the members, calls across nodes.</summary>
public sealed class ClusterShardingSpec
{
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Three_members_form_a_cluster_and_a_client_reaches_hosts_on_every_member()
    {
        await using var cluster = await TestCluster.Start(3);
        var client = await cluster.Add(NodeRole.Client);

        Assert.Equal(4, client.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up));
        // Remoting listens on loopback unless told otherwise.
        Assert.All(client.Cluster.State.Members, m => Assert.Equal("127.0.0.1", m.Address.Host));
        var where = new Dictionary<string, string>();
        foreach (var host in Enumerable.Range(0, 9).Select(i => $"h{i}"))
        {
            Assert.Equal(SetupResult.Ok, await client.Runtime.Setup(host, new CreateVm("g", 1UL << 30, 1)));
            where[host] = (await client.Runtime.Host(host).Ask<HostLocation>(WhereIsHost.Instance, Ask)).Node;
        }

        // Hosts live on host members only, and more than one of them holds some.
        var hostMembers = cluster.Members.Where(m => m.Role == NodeRole.Host).Select(m => m.Address.ToString()).ToHashSet();
        Assert.All(where.Values, node => Assert.Contains(node, hostMembers));
        Assert.True(where.Values.Distinct().Count() > 1, $"every host on one member: {string.Join(", ", where)}");
    }

    [Fact]
    public async Task A_hypercall_crosses_nodes_and_its_answer_comes_back()
    {
        await using var cluster = await TestCluster.Start(2);
        var client = await cluster.Add(NodeRole.Client);
        await MappingWorkload.SetUp(client.Runtime, "h1", vcpus: 2);

        var put = MappingWorkload.Call(5);
        Assert.Equal(HcallReturn.Success, ((HcallResult)await client.Runtime.Hcall("h1", MappingWorkload.Vm, 0, put)).Ret);
        var get = (HcallResult)await client.Runtime.Hcall("h1", MappingWorkload.Vm, 1, new HGetTce(put.Liobn, put.Ioba));

        Assert.Equal((HcallReturn.Success, put.Tce), (get.Ret, get.R4));
        // The client holds no host: the answer came over the wire.
        var location = await client.Runtime.Host("h1").Ask<HostLocation>(WhereIsHost.Instance, Ask);
        Assert.NotEqual(client.Address.ToString(), location.Node);
    }
}
