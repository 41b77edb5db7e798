using Fabric.Host;
using Fabric.Messages;
using Fabric.Vfio;

namespace Fabric.Eeh;

/// <summary>
/// Which host PEs VFIO_EEH_PE_OP on a container fd runs on, in the kernel's order (the
/// container's groups as they joined), or why it cannot run: the fd must be an open container
/// (-EBADF, else -EINVAL), and the ioctl reaches the sPAPR driver only once one is set (-EINVAL).
/// </summary>
public static class EehContainerOp
{
    public static (SetupResult? Refused, int[] Groups) Groups(HostTopology host, EehPeOpOnContainer c)
    {
        var file = VfioIoctls.FileOf(host, VfioIoctls.Resolve(host, c.ContainerFd));
        if (file is null) return (SetupResult.Fail(Errno.EBADF, $"{c.ContainerFd} is not open"), []);
        if (file is not VfioContainer container)
            return (SetupResult.Fail(Errno.EINVAL, $"{c.ContainerFd} is not a container fd (/dev/vfio/vfio)"), []);
        if (VfioIoctls.ContainerHasADriver(container) is { } noDriver) return (noDriver, []);
        return (null, [.. container.Groups]);
    }

    /// <summary>The ioctl's answer from the first non-zero result of its groups (0 when every one returned 0).</summary>
    public static SetupResult Answer(EehPeOpDone? firstNonZero) => firstNonZero switch
    {
        null => SetupResult.Ok,
        { Ret: < 0 } d => SetupResult.Fail((Errno)(-d.Ret), $"VFIO_EEH_PE_OP failed on group {d.Group}"),
        var d => SetupResult.Returned(d.Ret),
    };
}
