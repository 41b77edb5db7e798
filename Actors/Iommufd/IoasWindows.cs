using Fabric.Host;
using Fabric.Messages;
using static Fabric.Iommufd.IommufdIoctls;

namespace Fabric.Iommufd;

/// <summary>
/// Seed 003's CREATE_WINDOW and REMOVE_WINDOW. A window is first a software notion: an IOAS with no
/// device takes any window that fits the 64-bit space. With devices attached, a window must be one
/// each device's IOMMU can hold (<see cref="IommuHardware.Refuses"/>): a page size it can build, inside
/// its apertures, off its reserved ranges, at one of its fixed bases, within its window count.
/// What the caller leaves out (page size, base) is chosen from what the attached hardware allows.
/// </summary>
public static class IoasWindows
{
    public static (SetupResult, IFabricEvent[]) Create(HostTopology host, CreateIoasWindow c)
    {
        if (FlagsAreKnown(c.Flags, 0) is { } flags) return Fail(flags);
        if (Lookup(host.Iommufd, c.Ioas, out var ioas) is { } missing) return Fail(missing);
        if (c.Size == 0) return Fail(Errno.EINVAL, "a window needs a size");
        var pageSize = c.PageSize == 0 ? SmallestCommonPage(ioas) : c.PageSize;
        if (!IovaSpans.IsPowerOfTwo(pageSize)) return Fail(Errno.EINVAL, $"page size 0x{pageSize:x} is not a power of two");
        if ((c.Size & (pageSize - 1)) != 0) return Fail(Errno.EINVAL, $"size 0x{c.Size:x} is not a multiple of the page size 0x{pageSize:x}");
        if (c.Base is { } b && (b & (pageSize - 1)) != 0) return Fail(Errno.EINVAL, $"base 0x{b:x} is not aligned to the page size 0x{pageSize:x}");
        if (c.Base is { } b2 && IovaSpans.LastOf(b2, c.Size) is null) return Fail(Errno.EOVERFLOW, $"0x{b2:x}+0x{c.Size:x} passes the top of the address space");
        if (HardwareTakesPageSize(ioas, pageSize) is { } pages) return Fail(pages);
        if (HardwareHasRoom(ioas) is { } full) return Fail(full);

        if (c.Base is not { } @base)
        {
            if (Allocate(ioas, c.Size, pageSize) is not { } chosen)
                return Fail(Errno.ENOSPC, $"IOAS {c.Ioas} has no room for a window of 0x{c.Size:x} bytes{Attached(ioas)}");
            @base = chosen;
        }
        else if (Fits(ioas, @base, c.Size) is { } refused) return Fail(refused);
        return (SetupResult.Returned(unchecked((long)@base)), [new IoasWindowCreated(host.Name, c.Ioas, @base, c.Size, pageSize)]);
    }

    /// <summary>REMOVE_WINDOW: the mappings inside are unmapped first, then the window goes.</summary>
    public static (SetupResult, IFabricEvent[]) Remove(HostTopology host, RemoveIoasWindow c)
    {
        if (Lookup(host.Iommufd, c.Ioas, out var ioas) is { } missing) return Fail(missing);
        if (ioas.Windows.FirstOrDefault(w => w.Base == c.Base) is not { } window)
            return Fail(Errno.ENOENT, $"IOAS {c.Ioas} has no window at 0x{c.Base:x}{(ioas.Windows.Count > 0 ? $" (its windows: {string.Join(", ", ioas.Windows)})" : "")}");
        var events = ioas.Areas.Overlapping(window.Base, window.Last)
            .Select(a => (IFabricEvent)new IoasUnmapped(host.Name, c.Ioas, a.Iova, a.Length))
            .Append(new IoasWindowRemoved(host.Name, c.Ioas, c.Base))
            .ToArray();
        return (SetupResult.Ok, events);
    }

    /// <summary>Why a window of [base, base+size) cannot be added to the IOAS, or null: it overlaps a window (-EEXIST), or a reserved range or a device's hardware refuses it (-EADDRINUSE).</summary>
    internal static SetupResult? Fits(Ioas ioas, ulong @base, ulong size)
    {
        var last = @base + (size - 1);
        if (ioas.Windows.FirstOrDefault(w => w.Overlaps(@base, last)) is { } other)
            return SetupResult.Fail(Errno.EEXIST, $"window 0x{@base:x}..0x{last:x} overlaps window {other}");
        if (ioas.TestReserved.FirstOrDefault(r => r.Overlaps(@base, last)) is { } reserved)
            return SetupResult.Fail(Errno.EADDRINUSE, $"window 0x{@base:x}..0x{last:x} covers reserved {reserved}");
        foreach (var (group, hw) in ioas.Devices)
            if (hw.Refuses(@base, size) is { } why)
                return SetupResult.Fail(Errno.EADDRINUSE, $"PE {group} cannot hold window 0x{@base:x}..0x{last:x}: {why}");
        return null;
    }

    /// <summary>A page size each attached IOMMU can build pages of (a multiple of one of its page sizes); else -EOPNOTSUPP.</summary>
    private static SetupResult? HardwareTakesPageSize(Ioas ioas, ulong pageSize)
    {
        foreach (var (group, hw) in ioas.Devices)
            if (!hw.TakesPageSize(pageSize))
                return SetupResult.Fail(Errno.EOPNOTSUPP, $"PE {group} is behind {hw.Name}, whose smallest page is 0x{hw.SmallestPage:x}; page size 0x{pageSize:x} is not one it can build");
        return null;
    }

    /// <summary>No attached IOMMU holds more windows than it has (IOMMU_TABLE_GROUP_MAX_TABLES on sPAPR); else -ENOSPC.</summary>
    private static SetupResult? HardwareHasRoom(Ioas ioas)
    {
        foreach (var (group, hw) in ioas.Devices)
            if (hw.MaxWindows is { } max && ioas.Windows.Count >= max)
                return SetupResult.Fail(Errno.ENOSPC, $"PE {group} is behind {hw.Name}, which holds {max} window(s); IOAS {ioas.Id} has {ioas.Windows.Count}");
        return null;
    }

    /// <summary>The page size left to the kernel: the smallest every attached IOMMU can build (4K with none).</summary>
    private static ulong SmallestCommonPage(Ioas ioas) =>
        ioas.Devices.Values.Select(h => h.SmallestPage).Append(PageSize).Max();

    /// <summary>
    /// The base left to the kernel: the lowest the attached hardware allows. Hardware with fixed
    /// bases offers those; otherwise the lowest page-aligned hole of the space no window, reserved
    /// range or refusal of a device takes.
    /// </summary>
    private static ulong? Allocate(Ioas ioas, ulong size, ulong pageSize)
    {
        var fixedBases = ioas.Devices.Values.Where(h => h.WindowBases is not null).SelectMany(h => h.WindowBases!).Distinct().Order().ToArray();
        if (fixedBases.Length > 0)
            return fixedBases.Where(b => IovaSpans.LastOf(b, size) is not null && Fits(ioas, b, size) is null).Cast<ulong?>().FirstOrDefault();
        var taken = ioas.Windows.Select(w => new IovaRange(w.Base, w.Last)).Concat(ioas.Reserved());
        foreach (var hole in IovaSpans.Holes(taken, 0, ulong.MaxValue))
        {
            if (IovaSpans.AlignUp(hole.Start, pageSize) is not { } start || start > hole.Last) continue;
            if (hole.Last - start >= size - 1 && Fits(ioas, start, size) is null) return start;
        }
        return null;
    }

    private static string Attached(Ioas ioas) =>
        ioas.Devices.Count == 0 ? "" : $" that {string.Join(" and ", ioas.Devices.Values.Distinct().Select(h => h.Name))} allow";
}
