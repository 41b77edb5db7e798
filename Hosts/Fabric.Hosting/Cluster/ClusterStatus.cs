using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Fabric.Messages;

namespace Fabric.Hosting.Cluster;

/// <summary>One member as `fabric status` shows it.</summary>
public sealed record MemberStatusLine(string Address, string Status, bool Reachable, string Roles, IReadOnlyList<string> Hosts, int Violations);

/// <summary>The cluster seen from one member: its members, the hosts each runs, and their health.</summary>
public static class ClusterStatus
{
    /// <summary>
    /// Every member with its status and reachability; for host members, the hosts their region
    /// runs now and the invariant violations those hosts report (-1 when a host did not answer).
    /// </summary>
    public static async Task<IReadOnlyList<MemberStatusLine>> Of(FabricNode node, TimeSpan timeout)
    {
        var state = node.Cluster.State;
        var lines = new List<MemberStatusLine>();
        foreach (var m in state.Members.OrderBy(m => m.Address.Port))
        {
            var reachable = !state.Unreachable.Contains(m);
            IReadOnlyList<string> hosts = [];
            var violations = 0;
            if (m.HasRole(HostShards.Role) && reachable && m.Status == MemberStatus.Up)
            {
                hosts = await HostsOn(node.System, m.Address, timeout);
                foreach (var h in hosts)
                {
                    var v = await Violations(node.Runtime, h, timeout);
                    violations = v < 0 || violations < 0 ? -1 : violations + v;
                }
            }
            lines.Add(new MemberStatusLine(m.Address.ToString(), m.Status.ToString(), reachable, string.Join(",", m.Roles), hosts, violations));
        }
        return lines;
    }

    /// <summary>The hosts the region of the member at <paramref name="address"/> runs, by name.</summary>
    public static async Task<IReadOnlyList<string>> HostsOn(ActorSystem system, Address address, TimeSpan timeout)
    {
        var region = system.ActorSelection(new RootActorPath(address) / "system" / "sharding" / HostShards.TypeName);
        try
        {
            var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, timeout);
            return state.Shards.SelectMany(s => s.EntityIds).Order(StringComparer.Ordinal).ToArray();
        }
        catch (AskTimeoutException)
        {
            return [];
        }
    }

    private static async Task<int> Violations(FabricRuntime fabric, string host, TimeSpan timeout)
    {
        try
        {
            return (await fabric.Host(host).Ask<InvariantReport>(GetInvariantReport.Instance, timeout)).Violations.Length;
        }
        catch (AskTimeoutException)
        {
            return -1;
        }
    }
}
