using Akka.Configuration;
using Fabric.Hosting.Cluster;
using Fabric.Persistence;

namespace Fabric.Tests.Cluster;

public sealed class ClusterConfigTests
{
    private static readonly Config Fabric = FabricConfig.Build(JournalKind.Memory);

    private static TimeSpan StableAfter(Config c) => c.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after");

    private static TimeSpan HeartbeatPause(Config c) => c.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause");

    [Fact]
    public void A_member_fails_over_as_fast_as_one_machine_allows_unless_told_it_spans_a_rack()
    {
        var loopback = ClusterConfig.Build(new NodeOptions(0, []), Fabric);
        var rack = ClusterConfig.Build(new NodeOptions(0, [], Failover: "rack"), Fabric);

        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)), (StableAfter(loopback), HeartbeatPause(loopback)));
        Assert.Equal(TimeSpan.FromSeconds(1), loopback.GetTimeSpan("akka.cluster.sharding.entity-restart-backoff"));
        Assert.Equal((TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(5)), (StableAfter(rack), HeartbeatPause(rack)));
    }

    [Fact]
    public void The_profile_is_also_a_config_key_and_an_akka_key_set_by_the_configuration_wins_over_it()
    {
        var config = ClusterConfig.Build(new NodeOptions(0, []), ConfigurationFactory.ParseString("""
            fabric.cluster.failover = rack
            akka.cluster.split-brain-resolver.stable-after = 3s
            """).WithFallback(Fabric));

        Assert.Equal(TimeSpan.FromSeconds(3), StableAfter(config));
        Assert.Equal(TimeSpan.FromSeconds(5), HeartbeatPause(config));
    }

    [Fact]
    public void An_unknown_profile_is_refused_with_the_key_and_the_choices()
    {
        var e = Assert.Throws<ConfigurationException>(() => ClusterConfig.Build(new NodeOptions(0, [], Failover: "fast"), Fabric));
        Assert.Contains("fabric.cluster.failover = fast", e.Message);
        Assert.Contains("loopback", e.Message);
        Assert.Contains("rack", e.Message);
    }
}
