using Akka.Cluster.Sharding;
using Fabric.Messages;

namespace Fabric.Hosting.Cluster;

/// <summary>
/// Hosts as sharded entities: the entity id is the host id, a shard is picked by its hash
/// (stable across processes), and the host receives what the <see cref="ToHost"/> carries.
/// </summary>
public sealed class HostShards(int numberOfShards) : HashCodeMessageExtractor(numberOfShards)
{
    /// <summary>The entity type name: the region is /system/sharding/host on every member.</summary>
    public const string TypeName = "host";

    /// <summary>The role of the members that run hosts.</summary>
    public const string Role = "host";

    public override string? EntityId(object message) => message is ToHost t ? t.Host : null;

    public override object EntityMessage(object message) => message is ToHost t ? t.Message : message;
}
