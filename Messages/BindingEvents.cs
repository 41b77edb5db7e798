namespace Fabric.Messages;

/// <summary>Changes of a VM's LIOBN bindings and of its KVM-VFIO device.</summary>
public interface IBindingEvent : ITopologyEvent;

/// <summary>
/// The binding design the VM was created with, when it is not the group design (a VM without
/// this event has the group design, whatever the config says), so replay never reads the config.
/// </summary>
public sealed record VmBindingChosen(string Host, string Vm, LiobnBinding Design) : IBindingEvent;

/// <summary>KVM_DEV_VFIO_GROUP_ADD: the group is in the VM's KVM-VFIO device (its external user comes with VfioExternalUserTaken).</summary>
public sealed record KvmVfioGroupAdded(string Host, string Vm, int Group) : IBindingEvent;

/// <summary>KVM_DEV_VFIO_GROUP_DEL: the group left the device, which gave back its container user.</summary>
public sealed record KvmVfioGroupDeleted(string Host, string Vm, int Group) : IBindingEvent;

/// <summary>KVM_SPAPR_TCE_BIND_VFIO succeeded: the container's window now mirrors the LIOBN, for every group in it.</summary>
public sealed record ContainerBound(string Host, string Vm, ulong Liobn, string Container, int Window) : IBindingEvent;

/// <summary>
/// One reference of the LIOBN's link to a hardware window went (a group left the KVM-VFIO device,
/// the container was unbound, or its driver released its tables). ClearHardware: the window is
/// cleared and killed in every group when the last reference goes (the container design's unbind).
/// </summary>
public sealed record LiobnUnlinked(string Host, string Vm, ulong Liobn, string Container, int Window, bool ClearHardware) : IBindingEvent;
