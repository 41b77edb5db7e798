namespace Fabric.Messages;

/// <summary>
/// The KVM side of binding a LIOBN to VFIO: the KVM-VFIO device's group attributes (the group
/// design) and the VM ioctls of the container design. Tables are named by their LIOBN, which
/// stands for the fd KVM_CREATE_SPAPR_TCE_64 returned.
/// </summary>
public interface IKvmBindingCommand : IHostCommand
{
    string Vm { get; }
}

/// <summary>KVM_CHECK_EXTENSION on the VM: answers 1 for a capability the VM has, else 0.</summary>
public sealed record CheckExtension(string Vm, int Capability) : IKvmBindingCommand;

/// <summary>KVM_DEV_VFIO_GROUP_ADD: the VM's KVM-VFIO device takes the group as an external user.</summary>
public sealed record KvmVfioGroupAdd(string Vm, FdArgument GroupFile) : IKvmBindingCommand;

/// <summary>KVM_DEV_VFIO_GROUP_DEL: the device lets the group go, and with it the LIOBN links the group set.</summary>
public sealed record KvmVfioGroupDel(string Vm, FdArgument GroupFile) : IKvmBindingCommand;

/// <summary>KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE {groupfd, tablefd}: link the group's first compatible hardware table to the LIOBN.</summary>
public sealed record SetSpaprTce(string Vm, FdArgument GroupFile, ulong Liobn) : IKvmBindingCommand;

/// <summary>
/// The earlier proposal of seed 000, KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE_LIOBN
/// {u32 argsz; s32 fd; u32 liobn; u8 pad[4]; u64 start_addr}: the group's hardware table that
/// starts at bus address StartAddr goes to the LIOBN.
/// </summary>
public sealed record SetSpaprTceLiobn(string Vm, uint ArgSz, FdArgument GroupFile, ulong Liobn, ulong StartAddr) : IKvmBindingCommand
{
    /// <summary>offsetofend(struct kvm_vfio_spapr_tce_liobn, start_addr).</summary>
    public const uint MinSz = 24;
}

/// <summary>KVM_SPAPR_TCE_BIND_VFIO (seed 000): link every hardware table of a VFIO container to the LIOBN.</summary>
public sealed record BindVfioContainer(string Vm, ulong Liobn, FdArgument ContainerFd) : IKvmBindingCommand;

/// <summary>The unbind that goes with KVM_SPAPR_TCE_BIND_VFIO.</summary>
public sealed record UnbindVfioContainer(string Vm, ulong Liobn, FdArgument ContainerFd) : IKvmBindingCommand;
