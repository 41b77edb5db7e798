using Akka.Actor;
using Fabric.Messages;

namespace Fabric.Hosting.Cluster;

/// <summary>
/// Stands in, on this node, for a host that runs somewhere in the cluster: wraps each message
/// in a <see cref="ToHost"/> for the shard region and keeps the sender, so the host answers the
/// caller directly. Only protocol messages go out; anything else is answered with a failure here.
/// </summary>
public sealed class HostRoute(string host, IActorRef region) : UntypedActor
{
    public static Props Props(string host, IActorRef region) => Akka.Actor.Props.Create(() => new HostRoute(host, region));

    protected override void OnReceive(object message)
    {
        if (message is IFabricMessage m) region.Forward(new ToHost(host, m));
        else Sender.Tell(new Status.Failure(new ArgumentException($"{message.GetType().Name} is not a Fabric message and cannot reach host {host}")));
    }
}
