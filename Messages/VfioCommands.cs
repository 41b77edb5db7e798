namespace Fabric.Messages;

/// <summary>
/// The VFIO ioctls of one host (drivers/vfio/vfio.c), as the host's commands. File descriptors
/// are the host's: numbered from 3, the lowest free one first, as open(2) gives them.
/// </summary>
public interface IVfioCommand : IHostCommand;

/// <summary>
/// A file descriptor passed to an ioctl: the fd a container or group is open on (named by the
/// container's id or the group's number) or a raw number, so that -1 or an fd of the wrong kind
/// can be passed too. Number is the group's number for <see cref="FdOf.Group"/>.
/// </summary>
public sealed record FdArgument(FdOf Of, string Container, int Number) : IFabricMessage
{
    public static FdArgument OfContainer(string id) => new(FdOf.Container, id, -1);
    public static FdArgument OfGroup(int group) => new(FdOf.Group, "", group);
    public static FdArgument Raw(int fd) => new(FdOf.Number, "", fd);

    public override string ToString() => Of switch
    {
        FdOf.Container => $"container {Container}'s fd",
        FdOf.Group => $"group {Number}'s fd",
        _ => $"fd {Number}",
    };
}

/// <summary>How an <see cref="FdArgument"/> names its fd.</summary>
public enum FdOf
{
    Number,
    Container,
    Group,
}

/// <summary>
/// A PCI device behind a host PE, bound to a host driver ("vfio-pci", "none", or another), on
/// PCI bus Bus ("0000:01"); a device on no bus (null) cannot be reset with its bus.
/// </summary>
public sealed record AddPciDevice(int Group, string Device, string Driver, string? Bus = null) : IVfioCommand
{
    public const string VfioPci = "vfio-pci";
    public const string NoDriver = "none";
}

/// <summary>open("/dev/vfio/N"): answers the group's fd.</summary>
public sealed record OpenVfioGroup(int Group) : IVfioCommand;

/// <summary>open("/dev/vfio/vfio"): a new container, called Container in the trace; answers its fd.</summary>
public sealed record OpenVfioContainer(string Container) : IVfioCommand;

/// <summary>close(2) of a group, container or device fd.</summary>
public sealed record CloseVfioFd(FdArgument Fd) : IVfioCommand;

/// <summary>VFIO_GROUP_SET_CONTAINER on the group's fd, with the container fd as argument.</summary>
public sealed record SetGroupContainer(int Group, FdArgument ContainerFd) : IVfioCommand;

/// <summary>VFIO_GROUP_UNSET_CONTAINER on the group's fd.</summary>
public sealed record UnsetGroupContainer(int Group) : IVfioCommand;

/// <summary>
/// VFIO_SET_IOMMU on the container's fd. For sPAPR TCE v2 the windows are the hardware tables the
/// driver then holds for the container (the default window QEMU creates right after).
/// </summary>
public sealed record SetIommu(string Container, int Type, HardwareWindow[] Windows) : IVfioCommand
{
    public const int SpaprTceV2 = 7;
    public const int NoIommu = 8;
}

/// <summary>VFIO_GROUP_GET_DEVICE_FD on the group's fd: answers the device's fd.</summary>
public sealed record GetDeviceFd(int Group, string Device) : IVfioCommand;

/// <summary>vfio_group_get_external_user(file): what KVM does with a group fd userspace hands it.</summary>
public sealed record GetExternalUser(FdArgument GroupFile) : IVfioCommand;

/// <summary>vfio_group_put_external_user(group).</summary>
public sealed record PutExternalUser(int Group) : IVfioCommand;

/// <summary>vfio_external_user_iommu_id(group): answers the IOMMU group id.</summary>
public sealed record ExternalUserIommuId(int Group) : IVfioCommand;
