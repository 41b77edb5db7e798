namespace Fabric.Messages;

/// <summary>
/// How a VM's KVM links a LIOBN to host IOMMU tables: the two designs of seed 000.
/// Group: KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE, one IOMMU group at a time (what Linux merged).
/// Container: KVM_SPAPR_TCE_BIND_VFIO, a whole VFIO container at once (David Gibson's proposal).
/// </summary>
public enum LiobnBinding
{
    /// <summary>On CreateVm only: the host's fabric.kvm.liobn-binding.</summary>
    HostDefault,
    Group,
    Container,
}

/// <summary>KVM_CHECK_EXTENSION numbers the binding designs answer.</summary>
public static class KvmCap
{
    public const int SpaprTce = 63;
    public const int SpaprTce64 = 125;

    /// <summary>KVM_CAP_SPAPR_TCE_VFIO: the group design's KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE.</summary>
    public const int SpaprTceVfio = 142;

    /// <summary>
    /// The container design's KVM_SPAPR_TCE_BIND_VFIO. Upstream never had it, so it has no
    /// upstream number: Fabric's own, far above any KVM_CAP_*.
    /// </summary>
    public const int SpaprTceBindVfio = 0x10000;
}
