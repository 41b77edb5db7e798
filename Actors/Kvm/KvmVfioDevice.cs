using Fabric.Messages;

namespace Fabric.Kvm;

/// <summary>
/// One VM's side of the KVM-VFIO link: its binding design, the groups its KVM-VFIO device holds
/// (struct kvm_vfio's group list) and the references on each LIOBN-to-hardware-window link
/// (the kref of kvmppc_spapr_tce_iommu_table, arch/powerpc/kvm/book3s_64_vio.c).
/// </summary>
public sealed class KvmVfioDevice(LiobnBinding design)
{
    public LiobnBinding Design { get; } = design;

    /// <summary>
    /// Groups in the device; true once the group did SET_SPAPR_TCE. Current Linux learns a
    /// group's iommu_group only then (kvm_vfio_file_set_spapr_tce), so only such a group
    /// releases links when it is deleted (kvm_spapr_tce_release_vfio_group).
    /// </summary>
    public Dictionary<int, bool> Groups { get; } = new();

    /// <summary>References on each link, by LIOBN and hardware window.</summary>
    public Dictionary<LinkKey, int> Links { get; } = new();

    public int References(LinkKey key) => Links.GetValueOrDefault(key);

    public void Reference(LinkKey key) => Links[key] = References(key) + 1;

    /// <summary>One reference fewer; true when that was the last one.</summary>
    public bool Release(LinkKey key)
    {
        var left = References(key) - 1;
        if (left > 0) Links[key] = left;
        else Links.Remove(key);
        return left <= 0;
    }
}

/// <summary>A LIOBN's link to one hardware window of a container.</summary>
public readonly record struct LinkKey(ulong Liobn, string Container, int Window);
