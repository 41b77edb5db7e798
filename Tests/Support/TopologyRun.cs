using Fabric.Host;
using Fabric.Hosting;
using Fabric.Messages;

namespace Fabric.Tests.Support;

/// <summary>Runs setup commands and ioctls: decided on a bare <see cref="HostTopology"/> and applied when they succeed, as the host actor does, or sent to a fabric.</summary>
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

    /// <summary>The same through a running fabric's host h0: the command must succeed.</summary>
    public static async Task<SetupResult> Ok(this FabricRuntime f, IHostCommand command)
    {
        var result = await f.Setup("h0", command);
        Assert.True(result.Succeeded, $"{command}: {result.Error} {result.Detail}");
        return result;
    }
}
