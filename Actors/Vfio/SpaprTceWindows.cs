using System.Numerics;
using Fabric.Host;
using Fabric.Kvm;
using Fabric.Messages;

namespace Fabric.Vfio;

/// <summary>
/// The dynamic windows of an sPAPR TCE v2 container (drivers/vfio/vfio_iommu_spapr_tce.c,
/// tce_iommu_create_window / tce_iommu_remove_window, with PowerNV IODA2's tables,
/// arch/powerpc/platforms/powernv/pci-ioda-tce.c): each check a named rule, in the kernel's order.
/// </summary>
public static class SpaprTceWindows
{
    /// <summary>IOMMU_TABLE_GROUP_MAX_TABLES: a container's window slots.</summary>
    public const int MaxWindows = 2;

    /// <summary>POWERNV_IOMMU_MAX_LEVELS.</summary>
    public const int MaxLevels = 5;

    /// <summary>Where IODA2 puts window 1 (table_group.tce64_start); window 0 is at 0.</summary>
    public const ulong Window64Start = 1UL << 59;

    /// <summary>The page size of the host's RAM backing (64K, the POWER Linux default): no IOMMU page may exceed it.</summary>
    public const int HostRamPageShift = 16;

    /// <summary>The IOMMU page sizes a PE's tables offer (table_group.pgsizes): IODA2 4K|64K|16M, IODA1 4K.</summary>
    public static ulong PageSizes(PeIommu iommu) => iommu switch
    {
        PeIommu.Ioda2 => (1UL << 12) | (1UL << 16) | (1UL << 24),
        PeIommu.Ioda1 => 1UL << 12,
        _ => 0,
    };

    /// <param name="freed">Windows a removal decided just before will have freed (a guest's reset).</param>
    public static (SetupResult, IFabricEvent[]) Create(HostTopology host, CreateSpaprTceWindow c, IReadOnlyCollection<int>? freed = null)
    {
        if (VfioIoctls.OpenContainerFile(host, c.Container, out var container) is { } closed) return Fail(closed);
        if (ContainerIsV2(container) is { } notV2) return Fail(notV2);
        if (ContainerHasGroups(container) is { } noGroups) return Fail(noGroups);
        if (c.Argsz < CreateSpaprTceWindow.MinSize) return Fail(Errno.EINVAL, $"argsz {c.Argsz} is below {CreateSpaprTceWindow.MinSize}");
        if (c.Flags != 0) return Fail(Errno.EINVAL, $"flags 0x{c.Flags:x}: none is defined");
        if (FreeSlot(container, freed ?? []) is not { } num) return Fail(Errno.ENOSPC, $"container {container.Id} has {MaxWindows} windows already");
        var iommu = host.Pes[container.Groups[0]].Iommu;
        if (c.PageShift >= 64 || (PageSizes(iommu) & (1UL << (int)c.PageShift)) == 0)
            return Fail(Errno.EINVAL, $"the PEs of container {container.Id} ({iommu}) have no 2^{c.PageShift} IOMMU pages (they have mask 0x{PageSizes(iommu):x})");
        if (iommu != PeIommu.Ioda2) return Fail(Errno.EPERM, $"the PEs of container {container.Id} ({iommu}) cannot set windows");
        if (TableGeometry(c.PageShift, c.WindowSize, c.Levels) is { } bad) return Fail(Errno.EINVAL, bad);
        var start = num == 0 ? 0 : Window64Start;
        var window = new HardwareWindow(num, (int)c.PageShift, start, c.WindowSize >> (int)c.PageShift);
        return (SetupResult.Returned((long)start), [new SpaprTceWindowCreated(host.Name, container.Id, window, (int)c.Levels)]);
    }

    public static (SetupResult, IFabricEvent[]) Remove(HostTopology host, RemoveSpaprTceWindow c)
    {
        if (VfioIoctls.OpenContainerFile(host, c.Container, out var container) is { } closed) return Fail(closed);
        if (ContainerIsV2(container) is { } notV2) return Fail(notV2);
        if (ContainerHasGroups(container) is { } noGroups) return Fail(noGroups);
        if (c.Argsz < RemoveSpaprTceWindow.MinSize) return Fail(Errno.EINVAL, $"argsz {c.Argsz} is below {RemoveSpaprTceWindow.MinSize}");
        if (c.Flags != 0) return Fail(Errno.EINVAL, $"flags 0x{c.Flags:x}: none is defined");
        if (WindowHolding(container, c.StartAddr) is not { } window)
            return Fail(Errno.EINVAL, $"no window of container {container.Id} holds bus address 0x{c.StartAddr:x}");
        if (host.Pes[container.Groups[0]].Iommu != PeIommu.Ioda2)
            return Fail(Errno.EPERM, $"the PEs of container {container.Id} cannot unset windows");
        return (SetupResult.Ok, [.. Removed(host, container, window)]);
    }

    /// <summary>
    /// The window goes from every group; the LIOBN links into it go first, reference by
    /// reference, so no guest table mirrors into a freed table.
    /// </summary>
    public static IEnumerable<IFabricEvent> Removed(HostTopology host, VfioContainer container, HardwareWindow window)
    {
        foreach (var (vm, device) in host.KvmVfio)
            foreach (var (key, references) in device.Links.Where(l => l.Key.Container == container.Id && l.Key.Window == window.Index))
                for (var i = 0; i < references; i++)
                    yield return new LiobnUnlinked(host.Name, vm, key.Liobn, key.Container, key.Window, ClearHardware: false);
        yield return new SpaprTceWindowRemoved(host.Name, container.Id, window.Index);
    }

    /// <summary>tce_iommu_find_table: the window whose bus range holds the address.</summary>
    public static HardwareWindow? WindowHolding(VfioContainer container, ulong busAddress) =>
        container.Windows.FirstOrDefault(w => busAddress >= w.BusOffset && busAddress - w.BusOffset < w.Entries << w.PageShift);

    /// <summary>
    /// pnv_pci_ioda2_get_table_size and pnv_pci_ioda2_table_alloc_pages: 1..5 levels, a window a
    /// power of two of at least one page, and levels of 2^(level_shift - 3) entries that reach
    /// below bit 55. Null when the table can be built.
    /// </summary>
    public static string? TableGeometry(uint pageShift, ulong windowSize, uint levels)
    {
        if (levels is 0 or > MaxLevels) return $"levels {levels} is not 1..{MaxLevels}";
        if (!BitOperations.IsPow2(windowSize)) return $"window size 0x{windowSize:x} is not a power of two";
        var windowShift = BitOperations.Log2(windowSize);
        if (windowShift < pageShift) return $"a window of 2^{windowShift} bytes is smaller than its 2^{pageShift} pages";
        if ((LevelShift(pageShift, windowShift, levels) - 3) * levels + pageShift >= 55)
            return $"{levels} levels of 2^{LevelShift(pageShift, windowShift, levels) - 3} entries of 2^{pageShift} bytes reach past bit 55";
        return null;
    }

    /// <summary>log2 of the bytes of one level's table: entries split evenly over the levels, at least a 4K page.</summary>
    public static int LevelShift(uint pageShift, int windowShift, uint levels)
    {
        var entriesShift = windowShift - (int)pageShift;
        return Math.Max((entriesShift + (int)levels - 1) / (int)levels + 3, 12);
    }

    /// <summary>
    /// QEMU's choice for a guest window (hw/vfio/spapr.c, vfio_spapr_create_window): the largest
    /// IOMMU page the PEs offer that is no larger than the guest's TCE page nor the host's RAM page.
    /// </summary>
    public static int? HostPageShift(PeIommu iommu, int guestPageShift)
    {
        var limit = Math.Min(guestPageShift, HostRamPageShift);
        for (var shift = limit; shift >= 12; shift--)
            if ((PageSizes(iommu) & (1UL << shift)) != 0) return shift;
        return null;
    }

    /// <summary>
    /// QEMU's levels (hw/vfio/spapr.c): the table's bits split into levels of one host page of
    /// entries each (page shift + 8 bits of index per level), rounded up.
    /// </summary>
    public static uint Levels(ulong entries)
    {
        var bitsTotal = BitOperations.Log2(Math.Max(entries, 1) * 8);
        const int bitsPerLevel = HostRamPageShift + 8;
        return (uint)Math.Clamp((bitsTotal + bitsPerLevel - 1) / bitsPerLevel, 1, MaxLevels);
    }

    public static void Apply(HostTopology host, IVfioEvent e)
    {
        switch (e)
        {
            case SpaprTceWindowCreated c:
                var into = host.Containers[c.Container];
                into.Windows = [.. into.Windows.Append(c.Window).OrderBy(w => w.Index)];
                break;
            case SpaprTceWindowRemoved r:
                var from = host.Containers[r.Container];
                from.Windows = [.. from.Windows.Where(w => w.Index != r.Index)];
                break;
        }
    }

    private static int? FreeSlot(VfioContainer c, IReadOnlyCollection<int> freed)
    {
        for (var i = 0; i < MaxWindows; i++)
            if (freed.Contains(i) || c.Windows.All(w => w.Index != i)) return i;
        return null;
    }

    /// <summary>The ioctl belongs to the v2 driver: another container's driver does not know it (-ENOTTY).</summary>
    private static SetupResult? ContainerIsV2(VfioContainer c) =>
        c.IommuType == SetIommu.SpaprTceV2 ? null
            : SetupResult.Fail(Errno.ENOTTY, $"container {c.Id} has no sPAPR TCE v2 driver (VFIO_SET_IOMMU type 7 first)");

    /// <summary>tce_groups_attached.</summary>
    private static SetupResult? ContainerHasGroups(VfioContainer c) =>
        c.Groups.Count > 0 ? null : SetupResult.Fail(Errno.ENXIO, $"container {c.Id} has no groups");

    private static (SetupResult, IFabricEvent[]) Fail(SetupResult r) => (r, []);
    private static (SetupResult, IFabricEvent[]) Fail(Errno e, string detail) => (SetupResult.Fail(e, detail), []);
}
