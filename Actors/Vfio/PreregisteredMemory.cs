using System.Collections.Immutable;
using System.Numerics;

namespace Fabric.Vfio;

/// <summary>
/// A preregistered region of a process's memory (struct mm_iommu_table_group_mem_t,
/// arch/powerpc/mm/book3s64/iommu_api.c): userspace addresses [Ua, Ua+Size), pinned.
/// </summary>
public sealed record MemoryRegion(ulong Ua, ulong Size)
{
    public ulong End => Ua + Size;

    /// <summary>
    /// mm_iommu_do_alloc: mem->pageshift = __ffs(ua | entries &lt;&lt; PAGE_SHIFT), the largest IOMMU
    /// page the region can back (Fabric's RAM counts as huge-page backed, so only alignment limits it).
    /// </summary>
    public int PageShift => BitOperations.TrailingZeroCount(Ua | Size);

    /// <summary>The overlap test of mm_iommu_do_alloc.</summary>
    public bool Overlaps(ulong ua, ulong size) => Ua < ua + size && ua < End;

    /// <summary>mm_iommu_lookup's test, then mm_iommu_ua_to_hpa's page size check.</summary>
    public bool Backs(ulong ua, ulong pageSize) =>
        Ua <= ua && ua < End && pageSize <= End - ua && BitOperations.Log2(pageSize) <= PageShift;
}

/// <summary>
/// What a process has preregistered (mm->context.iommu_group_mem_list), as the topology holds
/// it: each region with its use count (mem->used: one per container that registered it).
/// Until the process registers memory itself, Fabric's VMM is QEMU, whose prereg listener
/// registers every RAM block on the first sPAPR TCE v2 container (hw/vfio/spapr.c): all RAM counts.
/// </summary>
public sealed class PreregisteredMemory
{
    private readonly Dictionary<MemoryRegion, int> _used = new();

    /// <summary>The process registers its memory itself (it made VFIO_IOMMU_SPAPR_REGISTER_MEMORY).</summary>
    public bool RegistersItself { get; private set; }

    public IReadOnlyDictionary<MemoryRegion, int> Regions => _used;

    /// <summary>A region overlapping [ua, ua+size), or null.</summary>
    public MemoryRegion? Overlapping(ulong ua, ulong size) => _used.Keys.FirstOrDefault(r => r.Overlaps(ua, size));

    /// <summary>mm_iommu_get or mm_iommu_new: one use more.</summary>
    public void Take(MemoryRegion region)
    {
        RegistersItself = true;
        _used[region] = _used.GetValueOrDefault(region) + 1;
    }

    /// <summary>mm_iommu_put: one use fewer; the last one releases the region.</summary>
    public void Put(MemoryRegion region)
    {
        if (!_used.TryGetValue(region, out var used)) return;
        if (used > 1) _used[region] = used - 1;
        else _used.Remove(region);
    }

    /// <summary>What KVM's lookups see, published to the guest's RAM.</summary>
    public Preregistration Snapshot() => RegistersItself ? new Preregistration([.. _used.Keys]) : Preregistration.AllRam;
}

/// <summary>
/// An immutable view of a process's preregistered regions, read by the hypercall handlers on
/// other threads as KVM reads mm->context under RCU. Null regions: all of the guest's RAM.
/// </summary>
public sealed class Preregistration(ImmutableArray<MemoryRegion>? regions)
{
    public static readonly Preregistration AllRam = new(null);

    public bool IsAllRam => regions is null;

    /// <summary>mm_iommu_lookup(ua, pageSize) finds a region and mm_iommu_ua_to_hpa accepts the page size.</summary>
    public bool Backs(ulong ua, ulong pageSize)
    {
        if (regions is not { } list) return true;
        foreach (var r in list)
            if (r.Backs(ua, pageSize)) return true;
        return false;
    }
}
