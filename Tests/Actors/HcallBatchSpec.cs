using Akka.Actor;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Hosting.Cluster;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>
/// Hypercalls in batches, in one process: a host answers each call of a batch on its own, with
/// its tag, after its table did (strict durability); a route batches its callers' calls and
/// hands each caller its own answer. The wire between them is ClusterShardingSpec's.
/// </summary>
public sealed class HcallBatchSpec() : TestKit(TestConfigs.InMemory())
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private async Task<FabricRuntime> Fabric(int vcpus)
    {
        var fabric = new FabricRuntime(Sys);
        await MappingWorkload.SetUp(fabric, "h0", vcpus);
        return fabric;
    }

    [Fact]
    public async Task A_host_answers_each_call_of_a_batch_with_its_tag_and_refuses_a_call_it_cannot_run()
    {
        var fabric = await Fabric(vcpus: 2);
        var put = MappingWorkload.Call(3);
        fabric.Host("h0").Tell(new HcallBatch([
            new RunHcall(MappingWorkload.Vm, 0, put, Tag: 11),
            new RunHcall(MappingWorkload.Vm, 0, new HGetTce(put.Liobn, put.Ioba), Tag: 12),
            new RunHcall(MappingWorkload.Vm, 1, new HPutTce(MappingWorkload.Liobn, 1UL << 40, 3), Tag: 13),
            new RunHcall("nope", 0, put, Tag: 14),
            new RunHcall(MappingWorkload.Vm, 7, put, Tag: 15),
        ]), TestActor);

        var answers = new List<HcallResult>();
        var refused = new Dictionary<long, SetupResult>();
        while (answers.Count + refused.Count < 5)
        {
            switch (ReceiveOne(Wait))
            {
                case HcallResults r: answers.AddRange(r.Results); break;
                case HcallRefused f: refused[f.Tag] = f.Reply; break;
                case var other: Assert.Fail($"unexpected {other}"); break;
            }
        }

        var byTag = answers.ToDictionary(a => a.Tag);
        Assert.Equal(HcallReturn.Success, byTag[11].Ret);
        // One vCPU makes one call at a time: the read comes after the write it reads.
        Assert.Equal((HcallReturn.Success, put.Tce), (byTag[12].Ret, byTag[12].R4));
        Assert.True(answers.FindIndex(a => a.Tag == 11) < answers.FindIndex(a => a.Tag == 12));
        Assert.Equal(HcallReturn.Parameter, byTag[13].Ret);
        Assert.Equal(Errno.ENOENT, refused[14].Error);
        Assert.Equal(Errno.ENOENT, refused[15].Error);
        Assert.Contains("no vcpu 7", refused[15].Detail);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    /// <summary>A shard region's part: hand the host what the envelope carries.</summary>
    private IActorRef Region(IActorRef host) =>
        Sys.ActorOf(Props.Create(() => new Unwrap(host)));

    private sealed class Unwrap : ReceiveActor
    {
        public Unwrap(IActorRef host) => Receive<ToHost>(t => host.Forward(t.Message));
    }

    [Fact]
    public async Task A_route_batches_many_callers_calls_and_each_caller_gets_its_own_answers()
    {
        var fabric = await Fabric(vcpus: 64);
        var route = Sys.ActorOf(HostRoute.Props("h0", Region(fabric.Host("h0")), batch: true));

        var puts = Enumerable.Range(0, 512).Select(i => MappingWorkload.Call(i)).ToArray();
        var written = await Task.WhenAll(puts.Select((p, i) => route.Ask<HcallResult>(new RunHcall(MappingWorkload.Vm, i % 64, p, Tag: -i - 1), Wait)));
        Assert.All(written, w => Assert.Equal(HcallReturn.Success, w.Ret));
        // A caller's own tag comes back as it gave it.
        Assert.Equal(Enumerable.Range(0, 512).Select(i => (long)-i - 1), written.Select(w => w.Tag));

        var read = await Task.WhenAll(puts.Select((p, i) => route.Ask<HcallResult>(new RunHcall(MappingWorkload.Vm, i % 64, new HGetTce(p.Liobn, p.Ioba)), Wait)));
        Assert.Equal(puts.Select(p => p.Tce), read.Select(r => r.R4));

        // A refused call gets what a lone call would have; other messages pass as before.
        Assert.Equal(Errno.ENOENT, (await route.Ask<SetupResult>(new RunHcall("nope", 0, puts[0]), Wait)).Error);
        Assert.Empty((await route.Ask<InvariantReport>(GetInvariantReport.Instance, Wait)).Violations);
    }
}
