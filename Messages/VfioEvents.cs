namespace Fabric.Messages;

/// <summary>Changes of the VFIO state of a host: open files, groups in containers, IOMMU drivers, users.</summary>
public interface IVfioEvent : ITopologyEvent;

public sealed record PciDeviceAdded(string Host, int Group, string Device, string Driver, string? Bus = null) : IVfioEvent;

public sealed record VfioGroupOpened(string Host, int Group, int Fd) : IVfioEvent;

/// <summary>The group's fd was closed; the group gave back the container user its fd held.</summary>
public sealed record VfioGroupClosed(string Host, int Group) : IVfioEvent;

public sealed record VfioContainerOpened(string Host, string Container, int Fd) : IVfioEvent;

/// <summary>The container's fd was closed; the container lives on while groups are in it.</summary>
public sealed record VfioContainerClosed(string Host, string Container) : IVfioEvent;

/// <summary>VFIO_GROUP_SET_CONTAINER: the group is in the container, with one container user (its fd).</summary>
public sealed record VfioGroupAttached(string Host, int Group, string Container) : IVfioEvent;

/// <summary>The group left its container (UNSET_CONTAINER, or its last container user went away).</summary>
public sealed record VfioGroupDetached(string Host, int Group, string Container) : IVfioEvent;

/// <summary>VFIO_SET_IOMMU: the container has a driver; Groups were attached to it, Windows are its hardware tables.</summary>
public sealed record VfioIommuSet(string Host, string Container, int Type, HardwareWindow[] Windows, int[] Groups) : IVfioEvent;

/// <summary>The last group left: the container has no IOMMU driver and no hardware tables any more.</summary>
public sealed record VfioIommuReleased(string Host, string Container) : IVfioEvent;

/// <summary>No fd and no group refer to the container: it is gone.</summary>
public sealed record VfioContainerFreed(string Host, string Container) : IVfioEvent;

public sealed record VfioDeviceOpened(string Host, int Group, string Device, int Fd) : IVfioEvent;

public sealed record VfioDeviceClosed(string Host, int Group, string Device, int Fd) : IVfioEvent;

/// <summary>
/// vfio_group_get_external_user succeeded: one more container user. ByKvmDevice: the reference the
/// KVM-VFIO device takes for a group bound to a LIOBN (held until the group leaves the device).
/// </summary>
public sealed record VfioExternalUserTaken(string Host, int Group, bool ByKvmDevice) : IVfioEvent;

/// <summary>vfio_group_put_external_user: one container user fewer.</summary>
public sealed record VfioExternalUserPut(string Host, int Group) : IVfioEvent;
