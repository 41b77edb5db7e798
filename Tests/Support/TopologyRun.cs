using Fabric.Host;
using Fabric.Messages;

namespace Fabric.Tests.Support;

/// <summary>Decides a command on a bare <see cref="HostTopology"/> and applies its events when it succeeds, as the host actor does.</summary>
public static class TopologyRun
{
    public static SetupResult Run(this HostTopology host, IHostCommand command)
    {
        var (result, events) = host.Decide(command);
        if (result.Succeeded)
            foreach (var e in events) host.Apply(e);
        return result;
    }

    public static SetupResult Ok(this HostTopology host, IHostCommand command)
    {
        var result = host.Run(command);
        Assert.True(result.Succeeded, $"{command}: {result.Error} {result.Detail}");
        return result;
    }

    public static Errno Errno(this HostTopology host, IHostCommand command) => host.Run(command).Error;
}
