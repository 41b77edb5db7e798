using Akka.Actor;
using Akka.Cluster;
using Fabric.Hosting;
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hypercalls_cross_nodes_and_each_gets_its_own_answer_batched_or_not(bool batched)
    {
        await using var cluster = await TestCluster.Start(2);
        var client = await cluster.Add(NodeRole.Client);
        var fabric = new FabricRuntime(client.System, client.Region, batched);
        await MappingWorkload.SetUp(fabric, "h1", vcpus: 32);

        // Many calls in flight at once, so that batches of several form.
        var puts = Enumerable.Range(0, 256).Select(i => MappingWorkload.Call(i)).ToArray();
        var written = await Task.WhenAll(puts.Select((p, i) => fabric.Hcall("h1", MappingWorkload.Vm, i % 32, p)));
        Assert.All(written, w => Assert.Equal(HcallReturn.Success, Assert.IsType<HcallResult>(w).Ret));
        var read = await Task.WhenAll(puts.Select((p, i) => fabric.Hcall("h1", MappingWorkload.Vm, (i + 1) % 32, new HGetTce(p.Liobn, p.Ioba))));
        Assert.Equal(puts.Select(p => (HcallReturn.Success, p.Tce)), read.Cast<HcallResult>().Select(r => (r.Ret, r.R4)));
        // A call the host cannot run is refused, as a lone call would be.
        Assert.Equal(Errno.ENOENT, Assert.IsType<SetupResult>(await fabric.Hcall("h1", MappingWorkload.Vm, 99, puts[0])).Error);

        // The client holds no host: the answers came over the wire.
        var location = await fabric.Host("h1").Ask<HostLocation>(WhereIsHost.Instance, Ask);
        Assert.NotEqual(client.Address.ToString(), location.Node);
    }
}
