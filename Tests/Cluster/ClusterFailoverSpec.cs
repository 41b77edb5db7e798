using Akka.Actor;
using Fabric.Hosting.Cluster;
using Fabric.Messages;
using Fabric.Tests.Support;
using Xunit.Abstractions;

namespace Fabric.Tests.Cluster;

public sealed class ClusterFailoverSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_killed_members_host_moves_recovers_and_keeps_every_acknowledged_call()
    {
        var t0 = DateTime.UtcNow;
        await using var cluster = await TestCluster.Start(3);
        output.WriteLine($"3 members up in {(DateTime.UtcNow - t0).TotalSeconds:0.0} s");
        var client = await cluster.Add(NodeRole.Client);
        const string host = "h0";
        await MappingWorkload.SetUp(client.Runtime, host, vcpus: 4);
        var before = (await client.Runtime.Host(host).Ask<HostLocation>(WhereIsHost.Instance, Ask)).Node;
        var victim = cluster.Members.Single(m => m.Address.ToString() == before);

        var acked = 0L;
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = MappingWorkload.Run(client.Runtime, host, calls: 400, vcpus: 4, callTimeout: TimeSpan.FromMilliseconds(500),
            progress: _ => { if (Interlocked.Increment(ref acked) == 100) halfway.TrySetResult(); });
        await halfway.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await cluster.Kill(victim);
        var killedAt = DateTime.UtcNow;
        var report = await run.WaitAsync(TimeSpan.FromSeconds(60));
        // The pause with the shipped failover settings (fabric.cluster.failover = loopback).
        output.WriteLine($"{report}; the run ended {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill");

        var after = (await client.Runtime.Host(host).Ask<HostLocation>(WhereIsHost.Instance, Ask)).Node;
        Assert.NotEqual(before, after);
        Assert.Equal(400, report.Acknowledged);
        Assert.Equal(0, report.Lost);
        Assert.Empty(report.Violations);
        // The guests saw the move as a pause, not as errors.
        Assert.True(report.Retried > 0, report.ToString());
        Assert.True(report.LongestPause > TimeSpan.FromSeconds(1), report.ToString());
    }
}
