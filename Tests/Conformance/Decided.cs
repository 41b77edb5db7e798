using Fabric.Host;
using Fabric.Messages;

namespace Fabric.Tests.Conformance;

public static class Decided
{
    /// <summary>Decides a command and applies its events when it succeeds, as the host actor does.</summary>
    public static SetupResult Run(HostTopology host, IHostCommand command)
    {
        var (result, events) = host.Decide(command);
        if (result.Succeeded)
            foreach (var e in events) host.Apply(e);
        return result;
    }
}
