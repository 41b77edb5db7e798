namespace Fabric.Messages;

/// <summary>
/// A message for one simulated host, wherever it runs: the cluster's shard regions route it by
/// <paramref name="Host"/> to the node that holds that host and hand it <paramref name="Message"/>.
/// </summary>
public sealed record ToHost(string Host, IFabricMessage Message) : IFabricMessage;

/// <summary>Asks a host which node runs it (the answer is <see cref="HostLocation"/>).</summary>
public sealed record WhereIsHost : IHostCommand
{
    public static readonly WhereIsHost Instance = new();
}

/// <summary>The node (its Akka address) that runs <paramref name="Host"/> now.</summary>
public sealed record HostLocation(string Host, string Node) : IFabricMessage;
