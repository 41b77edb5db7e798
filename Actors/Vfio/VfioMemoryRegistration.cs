using Fabric.Host;
using Fabric.Messages;

namespace Fabric.Vfio;

/// <summary>
/// VFIO_IOMMU_SPAPR_REGISTER_MEMORY and _UNREGISTER_MEMORY (drivers/vfio/vfio_iommu_spapr_tce.c,
/// tce_iommu_ioctl, tce_iommu_register_pages / _unregister_pages; arch/powerpc/mm/book3s64/
/// iommu_api.c, mm_iommu_get / _new / _put), each check in the kernel's order. The regions belong
/// to the VMM process of a VM (its mm); the container remembers which it registered.
/// </summary>
public static class VfioMemoryRegistration
{
    /// <summary>ppc64 hosts run 64K pages (CONFIG_PPC_64K_PAGES, every distribution's default): PAGE_SHIFT.</summary>
    public const int HostPageShift = 16;

    private const ulong HostPageMask = (1UL << HostPageShift) - 1;

    public static (SetupResult, IFabricEvent[]) Register(HostTopology host, RegisterMemory c)
    {
        if (Caller(host, c.Container, c.Vm, out var container, out var vm) is { } refused) return Fail(refused);
        if (ArgsAreValid(c.Argsz, c.Flags) is { } badArgs) return Fail(badArgs);
        // tce_iommu_register_pages
        if (PagesAreAligned(c.Vaddr, c.Size) is { } unaligned) return Fail(unaligned);
        if (c.Vaddr + c.Size < c.Vaddr) return Reject(Errno.EINVAL, $"vaddr 0x{c.Vaddr:x} + size 0x{c.Size:x} wraps around");
        var region = new MemoryRegion(c.Vaddr, c.Size);
        var registered = vm.Mm.Regions.ContainsKey(region);
        if (registered && ContainerDoesNotHoldIt(container, region) is { } twice) return Fail(twice);
        if (!registered)
        {
            // mm_iommu_new (mm_iommu_do_alloc): the pin array, the pin, then the overlap test.
            if (RegionIsNotEmpty(c.Size) is { } empty) return Fail(empty);
            if (ProcessMapsTheRange(vm, region) is { } unmapped) return Fail(unmapped);
            if (NoOtherRegionOverlaps(vm.Mm, region) is { } overlap) return Fail(overlap);
        }
        return (SetupResult.Ok, [new MemoryRegistered(host.Name, container.Id, c.Vm, c.Vaddr, c.Size)]);
    }

    public static (SetupResult, IFabricEvent[]) Unregister(HostTopology host, UnregisterMemory c)
    {
        if (Caller(host, c.Container, c.Vm, out var container, out var vm) is { } refused) return Fail(refused);
        if (container.Mm is null) return Reject(Errno.EPERM, $"container {container.Id} has registered nothing yet (it has no mm)");
        if (ArgsAreValid(c.Argsz, c.Flags) is { } badArgs) return Fail(badArgs);
        // tce_iommu_unregister_pages
        if (PagesAreAligned(c.Vaddr, c.Size) is { } unaligned) return Fail(unaligned);
        var region = new MemoryRegion(c.Vaddr, c.Size);
        if (!vm.Mm.Regions.TryGetValue(region, out var used))
            return Reject(Errno.ENOENT, $"VM {c.Vm}'s process has no region 0x{c.Vaddr:x}+0x{c.Size:x} registered (the address and size must be the registered ones)");
        if (!container.Preregistered.Contains(region))
            return Reject(Errno.ENOENT, $"container {container.Id} did not register 0x{c.Vaddr:x}+0x{c.Size:x} (another container of the process did)");
        if (used == 1 && RegionIsNotMapped(host, region) is { } mapped) return Fail(mapped);
        return (SetupResult.Ok, [new MemoryUnregistered(host.Name, container.Id, c.Vm, c.Vaddr, c.Size)]);
    }

    /// <summary>
    /// Who may make the ioctl, in the order the container's fd sees it: the fd is open (Fabric's
    /// own); vfio_fops_unl_ioctl hands it to the IOMMU driver only if there is one (-EINVAL);
    /// tce_iommu_ioctl refuses another process than the container's (-EPERM); only v2 knows it
    /// (-ENOTTY, as the no-IOMMU driver answers too); then tce_iommu_mm_set.
    /// </summary>
    private static SetupResult? Caller(HostTopology host, string id, string vmName, out VfioContainer container, out HostTopology.VmInfo vm)
    {
        vm = null!;
        if (VfioIoctls.OpenContainerFile(host, id, out container) is { } closed) return closed;
        if (VfioIoctls.ContainerHasADriver(container) is { } noDriver) return noDriver;
        if (container.IommuType == SetIommu.NoIommu)
            return SetupResult.Fail(Errno.ENOTTY, $"container {id} has the no-IOMMU driver, which has no memory registration");
        if (!host.Vms.TryGetValue(vmName, out vm!))
            return SetupResult.Fail(Errno.ENOENT, $"host {host.Name} has no VM named {vmName} (whose VMM process would call)");
        if (container.Mm is { } mm && mm != vmName)
            return SetupResult.Fail(Errno.EPERM, $"container {id} belongs to VM {mm}'s process, not {vmName}'s");
        return null;
    }

    private static SetupResult? ArgsAreValid(uint argsz, uint flags)
    {
        if (argsz < RegisterMemory.MinSize) return SetupResult.Fail(Errno.EINVAL, $"argsz {argsz} is below {RegisterMemory.MinSize}");
        return flags != 0 ? SetupResult.Fail(Errno.EINVAL, $"flags 0x{flags:x}: no flag is supported") : null;
    }

    private static SetupResult? PagesAreAligned(ulong vaddr, ulong size) =>
        ((vaddr | size) & HostPageMask) != 0
            ? SetupResult.Fail(Errno.EINVAL, $"vaddr 0x{vaddr:x} and size 0x{size:x} must be multiples of the host's 64K page")
            : null;

    private static SetupResult? ContainerDoesNotHoldIt(VfioContainer c, MemoryRegion r) =>
        c.Preregistered.Contains(r)
            ? SetupResult.Fail(Errno.EBUSY, $"container {c.Id} already registered 0x{r.Ua:x}+0x{r.Size:x}")
            : null;

    /// <summary>mm_iommu_do_alloc vzalloc's a pin array of size >> PAGE_SHIFT entries: none is no allocation, -ENOMEM.</summary>
    private static SetupResult? RegionIsNotEmpty(ulong size) =>
        size == 0 ? SetupResult.Fail(Errno.ENOMEM, "size 0: the kernel's pin array of 0 entries cannot be allocated (vzalloc(0) fails)") : null;

    /// <summary>pin_user_pages of every page: the process maps exactly the guest's RAM, at HostBase.</summary>
    private static SetupResult? ProcessMapsTheRange(HostTopology.VmInfo vm, MemoryRegion r) =>
        r.Ua >= vm.HostBase && r.End <= vm.HostBase + vm.RamBytes ? null
            : SetupResult.Fail(Errno.EFAULT, $"0x{r.Ua:x}..0x{r.End:x} is not all mapped in VM {vm.Name}'s process: its RAM is at 0x{vm.HostBase:x}..0x{vm.HostBase + vm.RamBytes:x}");

    private static SetupResult? NoOtherRegionOverlaps(PreregisteredMemory mm, MemoryRegion r) =>
        mm.Overlapping(r.Ua, r.Size) is { } other
            ? SetupResult.Fail(Errno.EINVAL, $"0x{r.Ua:x}+0x{r.Size:x} overlaps the registered region 0x{other.Ua:x}+0x{other.Size:x}")
            : null;

    /// <summary>
    /// mm_iommu_put of the last use: mappings left (mem->mapped) -> -EBUSY. Since Linux 5.0
    /// tce_iommu_unregister_pages holds an extra use (mm_iommu_get) and drops this -EBUSY, answering
    /// 0 and leaving the region pinned; Fabric answers -EBUSY, as 4.2..4.20 did and mm_iommu_put means.
    /// </summary>
    private static SetupResult? RegionIsNotMapped(HostTopology host, MemoryRegion r)
    {
        // Fabric's VMM maps RAM at its host address, so the region's host physical range is [Ua, End).
        var mapped = host.HardwareTcesInto(r.Ua, r.Size);
        return mapped > 0
            ? SetupResult.Fail(Errno.EBUSY, $"0x{r.Ua:x}+0x{r.Size:x} is still mapped by {mapped} hardware TCE(s); clear them first")
            : null;
    }

    public static void Apply(HostTopology host, IVfioEvent e)
    {
        switch (e)
        {
            case MemoryRegistered m:
                var region = new MemoryRegion(m.Ua, m.Size);
                host.Containers[m.Container].Mm = m.Vm;
                host.Containers[m.Container].Preregistered.Add(region);
                host.Vms[m.Vm].Mm.Take(region);
                break;
            case MemoryUnregistered u:
                var gone = new MemoryRegion(u.Ua, u.Size);
                host.Containers[u.Container].Preregistered.Remove(gone);
                host.Vms[u.Vm].Mm.Put(gone);
                break;
        }
    }

    /// <summary>tce_iommu_release: the driver goes (the last group left), and with it the container's registrations and mm.</summary>
    public static void Release(HostTopology host, string id)
    {
        var container = host.Containers[id];
        if (container.Mm is { } vm && host.Vms.TryGetValue(vm, out var owner))
            foreach (var region in container.Preregistered) owner.Mm.Put(region);
        container.Preregistered.Clear();
        container.Mm = null;
    }

    /// <summary>Publishes each VM's preregistered regions to its RAM, where the hypercall handlers look them up.</summary>
    public static void Publish(HostTopology host, HostMemory memory)
    {
        foreach (var (name, vm) in host.Vms)
            if (memory.GuestRams.TryGetValue(name, out var ram)) ram.Preregistered = vm.Mm.Snapshot();
    }

    private static (SetupResult, IFabricEvent[]) Fail(SetupResult r) => (r, []);
    private static (SetupResult, IFabricEvent[]) Reject(Errno e, string detail) => (SetupResult.Fail(e, detail), []);
}
