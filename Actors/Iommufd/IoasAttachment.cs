using Fabric.Host;
using Fabric.Messages;
using static Fabric.Iommufd.IommufdIoctls;

namespace Fabric.Iommufd;

/// <summary>
/// Attaching a PE's device to an IOAS (iommufd_device_attach, iommufd_hw_pagetable_attach,
/// iopt_table_add_domain, iopt_table_enforce_dev_resv_regions), replacing its IOAS while it stays
/// attached (iommufd_device_replace: the "switch domains" of seed 003) and detaching it. An attach
/// recalculates what the hardware allows and keeps the IOAS only if every window and mapping
/// survives (seed 003: "fail if the existing windows can't be preserved"): -EADDRINUSE otherwise.
/// </summary>
public static class IoasAttachment
{
    public static (SetupResult, IFabricEvent[]) Attach(HostTopology host, AttachIoas c)
    {
        if (Device(host, c.Group, out var pe, out var hw) is { } noDevice) return Fail(noDevice);
        if (Lookup(host.Iommufd, c.Ioas, out var ioas) is { } missing) return Fail(missing);
        if (DmaIsNotOwnedByVfio(pe) is { } owned) return Fail(owned);
        if (host.Iommufd.IoasOf(c.Group) is { } current)
            return Fail(Errno.EINVAL, $"PE {c.Group} is attached to IOAS {current} already; replace or detach it");
        if (HardwareKeeps(ioas, c.Group, hw) is { } refused) return Fail(refused);
        return Ok(new IoasAttached(host.Name, c.Group, c.Ioas, pe.Iommu));
    }

    /// <summary>iommufd_device_replace: only an attached device (-EINVAL); the same IOAS changes nothing.</summary>
    public static (SetupResult, IFabricEvent[]) Replace(HostTopology host, ReplaceIoas c)
    {
        if (Device(host, c.Group, out _, out var hw) is { } noDevice) return Fail(noDevice);
        if (Lookup(host.Iommufd, c.Ioas, out var ioas) is { } missing) return Fail(missing);
        if (host.Iommufd.IoasOf(c.Group) is not { } from)
            return Fail(Errno.EINVAL, $"PE {c.Group} is attached to no IOAS; attach it first");
        if (from == c.Ioas) return (SetupResult.Ok, []);
        if (HardwareKeeps(ioas, c.Group, hw) is { } refused) return Fail(refused);
        return Ok(new IoasReplaced(host.Name, c.Group, from, c.Ioas));
    }

    public static (SetupResult, IFabricEvent[]) Detach(HostTopology host, DetachIoas c)
    {
        if (Device(host, c.Group, out _, out _) is { } noDevice) return Fail(noDevice);
        if (host.Iommufd.IoasOf(c.Group) is not { } ioas) return Fail(Errno.EINVAL, $"PE {c.Group} is attached to no IOAS");
        return Ok(new IoasDetached(host.Name, c.Group, ioas));
    }

    /// <summary>
    /// Whether the IOAS can be the device's domain: every window is one its IOMMU can hold (page
    /// size, aperture, reserved ranges, fixed bases, window count), and no area or allowed range
    /// lies in what the IOMMU reserves (iopt_reserve_iova). -EADDRINUSE names the first that cannot be kept.
    /// </summary>
    internal static SetupResult? HardwareKeeps(Ioas ioas, int group, IommuHardware hw)
    {
        if (hw.MaxWindows is { } max && ioas.Windows.Count > max)
            return Refused($"IOAS {ioas.Id} has {ioas.Windows.Count} windows; {hw.Name} holds {max}");
        foreach (var w in ioas.Windows)
        {
            if (!hw.TakesPageSize(w.PageSize))
                return Refused($"window {w} has smaller pages than {hw.Name}'s 0x{hw.SmallestPage:x}");
            if (hw.Refuses(w.Base, w.Size) is { } why) return Refused($"window {w}: {why}");
        }
        foreach (var r in hw.ReservedRanges())
        {
            if (ioas.Areas.Overlapping(r.Start, r.Last).FirstOrDefault() is { } area)
                return Refused($"{hw.Name} reserves {r}, where IOAS {ioas.Id} maps 0x{area.Iova:x}..0x{area.Last:x}");
            if (ioas.Allowed.FirstOrDefault(a => a.Overlaps(r.Start, r.Last)) is { } allowed)
                return Refused($"{hw.Name} reserves {r}, in allowed range {allowed}");
        }
        return null;

        SetupResult Refused(string why) =>
            SetupResult.Fail(Errno.EADDRINUSE, $"PE {group} cannot keep IOAS {ioas.Id}: {why}");
    }

    /// <summary>The PE and its IOMMU: no such PE is -ENOENT; a no-IOMMU group has no domain to attach (-EINVAL).</summary>
    private static SetupResult? Device(HostTopology host, int group, out HostTopology.PeInfo pe, out IommuHardware hw)
    {
        hw = null!;
        if (!host.Pes.TryGetValue(group, out pe!))
            return SetupResult.Fail(Errno.ENOENT, $"host {host.Name} has no PE {group}; add it with `pe host={host.Name} id={group}`");
        if (IommuHardware.Of(pe.Iommu) is not { } found)
            return SetupResult.Fail(Errno.EINVAL, $"PE {group} is a no-IOMMU group: it has no domain to attach");
        hw = found;
        return null;
    }

    /// <summary>A group in a VFIO container has its DMA owned by the container (iommu_device_claim_dma_owner): -EBUSY.</summary>
    private static SetupResult? DmaIsNotOwnedByVfio(HostTopology.PeInfo pe) =>
        pe.Container is { } container
            ? SetupResult.Fail(Errno.EBUSY, $"PE {pe.Group} is in VFIO container {container}, which owns its DMA")
            : null;
}
