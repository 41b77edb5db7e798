using Fabric.Host;
using Fabric.Messages;
using static Fabric.Iommufd.IommufdIoctls;

namespace Fabric.Iommufd;

/// <summary>
/// IOMMU_IOAS_MAP, _UNMAP and _COPY (ioas.c over io_pagetable.c), with seed 003's rule on top:
/// an area lies inside one window, its iova, length and user address aligned to the window's
/// page size; a copy goes only to a window whose pages are no larger than the source window's.
/// </summary>
public static class IoasMapping
{
    /// <summary>iommufd_ioas_map, then iopt_map_user_pages (iopt_alloc_pages, iopt_alloc_area_pages, iopt_check_iova or iopt_alloc_iova, iopt_insert_area).</summary>
    public static (SetupResult, IFabricEvent[]) Map(HostTopology host, MapIoas c)
    {
        if (FlagsAreKnown(c.Flags, IoasMapFlags.Known) is { } flags) return Fail(flags);
        if (AddressesFit(c.Iova, c.Length) is { } overflow) return Fail(overflow);
        if (ReadableOrWriteable(c.Flags) is { } noAccess) return Fail(noAccess);
        if (Lookup(host.Iommufd, c.Ioas, out var ioas) is { } missing) return Fail(missing);
        // iopt_alloc_pages
        if (c.Length == 0) return Fail(Errno.EINVAL, "length is 0");
        if (c.UserVa > ulong.MaxValue - c.Length) return Fail(Errno.EOVERFLOW, $"user_va 0x{c.UserVa:x} + length 0x{c.Length:x} passes the top of the address space");
        var piece = new IoasArea(0, c.Length, c.UserVa, Readable(c.Flags), Writeable(c.Flags));
        return Place(host, ioas, c.Flags, c.Iova, [piece], c.Length, sourcePage: null);
    }

    /// <summary>
    /// iommufd_ioas_unmap: (0, U64_MAX) unmaps everything and succeeds on an empty IOAS
    /// (iopt_unmap_all); otherwise every area the range touches must lie wholly inside it
    /// (-ENOENT: an area is never split) and at least one must. Fabric decides before it unmaps,
    /// so a refused unmap changes nothing; the kernel unmaps the areas before the first one it
    /// cannot take whole and then fails.
    /// </summary>
    public static (SetupResult, IFabricEvent[]) Unmap(HostTopology host, UnmapIoas c)
    {
        if (Lookup(host.Iommufd, c.Ioas, out var ioas) is { } missing) return Fail(missing);
        if (c.Iova == 0 && c.Length == ulong.MaxValue) return Unmapped(host, ioas, ioas.Areas.Areas.ToArray());
        if (AddressesFit(c.Iova, c.Length) is { } overflow) return Fail(overflow);
        if (c.Length == 0) return Fail(Errno.EINVAL, "length is 0");
        if (IovaSpans.LastOf(c.Iova, c.Length) is not { } last) return Fail(Errno.EOVERFLOW, $"iova 0x{c.Iova:x} + length 0x{c.Length:x} passes the top of the address space");
        if (InsideOneWindow(ioas, c.Iova, last, c.Length) is { } outside) return Fail(outside);
        var areas = ioas.Areas.Overlapping(c.Iova, last).ToArray();
        if (areas.FirstOrDefault(a => a.Iova < c.Iova || a.Last > last) is { } split)
            return Fail(Errno.ENOENT, $"0x{c.Iova:x}..0x{last:x} would split the area 0x{split.Iova:x}..0x{split.Last:x}; unmap all of it");
        if (areas.Length == 0) return Fail(Errno.ENOENT, $"IOAS {c.Ioas} maps nothing in 0x{c.Iova:x}..0x{last:x}");
        return Unmapped(host, ioas, areas);
    }

    /// <summary>iommufd_ioas_copy: iopt_get_pages over the source, then iopt_map_pages in the destination.</summary>
    public static (SetupResult, IFabricEvent[]) Copy(HostTopology host, CopyIoas c)
    {
        if (FlagsAreKnown(c.Flags, IoasMapFlags.Known) is { } flags) return Fail(flags);
        if (c.Length == ulong.MaxValue || c.SrcIova == ulong.MaxValue || c.DstIova == ulong.MaxValue)
            return Fail(Errno.EOVERFLOW, "length, src_iova and dst_iova must be below U64_MAX");
        if (ReadableOrWriteable(c.Flags) is { } noAccess) return Fail(noAccess);
        if (Lookup(host.Iommufd, c.SrcIoas, out var src) is { } noSrc) return Fail(noSrc);
        // iopt_get_pages
        if (c.Length == 0) return Fail(Errno.EINVAL, "length is 0");
        if (IovaSpans.LastOf(c.SrcIova, c.Length) is not { } srcLast) return Fail(Errno.EOVERFLOW, $"src_iova 0x{c.SrcIova:x} + length 0x{c.Length:x} passes the top of the address space");
        if (src.Areas.Contiguous(c.SrcIova, srcLast) is not { } pieces)
            return Fail(Errno.ENOENT, $"IOAS {c.SrcIoas} does not map all of 0x{c.SrcIova:x}..0x{srcLast:x}");
        // Mapped bytes lie in a window, and a contiguous run of areas in one window.
        if (src.WindowAt(c.SrcIova) is not { } srcWindow)
            return Fail(Errno.EINVAL, $"0x{c.SrcIova:x} is in no window of IOAS {c.SrcIoas}");
        if (!srcWindow.Holds(c.SrcIova, srcLast) || !srcWindow.IsAligned(c.SrcIova) || !srcWindow.IsAligned(c.Length))
            return Fail(Errno.EINVAL, $"0x{c.SrcIova:x}+0x{c.Length:x} is not whole pages of source window {srcWindow}");
        if (Writeable(c.Flags) && pieces.FirstOrDefault(p => !p.Writeable) is { } readOnly)
            return Fail(Errno.EPERM, $"the source maps 0x{readOnly.Iova:x}..0x{readOnly.Last:x} read-only: a writeable copy is refused (iopt_insert_area)");
        if (Lookup(host.Iommufd, c.DstIoas, out var dst) is { } noDst) return Fail(noDst);
        var copies = pieces.Select(p => p with { Readable = Readable(c.Flags), Writeable = Writeable(c.Flags) }).ToArray();
        return Place(host, dst, c.Flags, c.DstIova, copies, c.Length, srcWindow.PageSize);
    }

    /// <summary>
    /// iopt_alloc_area_pages: the length is whole pages of the window, then the iova is checked
    /// (FIXED_IOVA) or allocated, then each piece becomes an area at consecutive iovas, its user
    /// address aligned to the window's page (iopt_insert_area's page_offset check).
    /// </summary>
    private static (SetupResult, IFabricEvent[]) Place(HostTopology host, Ioas ioas, uint flags, ulong iova, IoasArea[] pieces, ulong length, ulong? sourcePage)
    {
        IoasWindow window;
        if ((flags & IoasMapFlags.FixedIova) != 0)
        {
            if (ioas.WindowAt(iova) is not { } w)
                return Fail(Errno.EINVAL, $"iova 0x{iova:x} is in no window of IOAS {ioas.Id}{WindowList(ioas)}");
            window = w;
            if (!window.IsAligned(length)) return Fail(Errno.EINVAL, $"length 0x{length:x} is not a multiple of window {window}'s page");
            if (CopyIsCompatible(window, sourcePage) is { } incompatible) return Fail(incompatible);
            // iopt_check_iova
            if (!window.IsAligned(iova)) return Fail(Errno.EINVAL, $"iova 0x{iova:x} is not aligned to window {window}'s page");
            if (IovaSpans.LastOf(iova, length) is not { } last) return Fail(Errno.EOVERFLOW, $"iova 0x{iova:x} + length 0x{length:x} passes the top of the address space");
            if (!window.Holds(iova, last)) return Fail(Errno.EINVAL, $"0x{iova:x}..0x{last:x} runs past the end of window {window}");
            if (ioas.Reserved().FirstOrDefault(r => r.Overlaps(iova, last)) is { } reserved)
                return Fail(Errno.EINVAL, $"0x{iova:x}..0x{last:x} covers reserved {reserved}");
            if (ioas.Areas.Overlapping(iova, last).FirstOrDefault() is { } mapped)
                return Fail(Errno.EEXIST, $"IOAS {ioas.Id} maps 0x{mapped.Iova:x}..0x{mapped.Last:x} already");
        }
        else
        {
            var usable = ioas.Windows.Where(w => w.IsAligned(length)).ToArray();
            if (ioas.Windows.Count > 0 && usable.Length == 0)
                return Fail(Errno.EINVAL, $"length 0x{length:x} is not whole pages of any window{WindowList(ioas)}");
            if (length >= ulong.MaxValue / 2) return Fail(Errno.EOVERFLOW, $"length 0x{length:x} is too large to align");
            var chosen = Allocate(ioas, pieces[0].UserVa, length, usable.Where(w => CopyIsCompatible(w, sourcePage) is null && w.IsAligned(pieces[0].UserVa)));
            if (chosen is not { } found)
                return Fail(Errno.ENOSPC, $"no window of IOAS {ioas.Id} has room for 0x{length:x} bytes{WindowList(ioas)}");
            (iova, window) = found;
        }
        var events = new IFabricEvent[pieces.Length];
        var at = iova;
        for (var i = 0; i < pieces.Length; i++)
        {
            var p = pieces[i];
            if (!window.IsAligned(p.UserVa))
                return Fail(Errno.EINVAL, $"user address 0x{p.UserVa:x} is not aligned to window {window}'s page");
            events[i] = new IoasMapped(host.Name, ioas.Id, at, p.Length, p.UserVa, p.Readable, p.Writeable);
            at += p.Length;
        }
        return (SetupResult.Returned(unchecked((long)iova)), events);
    }

    /// <summary>
    /// iopt_alloc_iova: the iova keeps the user address's alignment up to the length's
    /// (roundup_pow_of_two), is never 0 (the search starts a page up), lies in an allowed range
    /// when there are some, and in the first hole of reserved ranges and areas that holds it;
    /// with seed 003, inside a window, the windows taken in base order.
    /// </summary>
    private static (ulong Iova, IoasWindow Window)? Allocate(Ioas ioas, ulong uptr, ulong length, IEnumerable<IoasWindow> windows)
    {
        var alignment = uptr == 0
            ? IovaSpans.RoundUpPowerOfTwo(length)
            : Math.Min(IovaSpans.RoundUpPowerOfTwo(length), IovaSpans.LowestBit(uptr));
        var allowed = ioas.Allowed.Count > 0 ? ioas.Allowed : [new IovaRange(PageSize, ulong.MaxValue - PageSize)];
        var used = ioas.Reserved().Concat(ioas.Areas.Areas.Select(a => new IovaRange(a.Iova, a.Last))).ToArray();
        foreach (var w in windows)
        {
            var align = Math.Max(alignment, w.PageSize);
            foreach (var span in allowed.OrderBy(a => a.Start))
            {
                var lo = Math.Max(Math.Max(span.Start, w.Base), PageSize);
                var hi = Math.Min(Math.Min(span.Last, w.Last), ulong.MaxValue - PageSize);
                if (lo > hi) continue;
                foreach (var hole in IovaSpans.Holes(used, lo, hi))
                {
                    if (IovaSpans.AlignUp(hole.Start, align) is not { } start || start > hole.Last) continue;
                    if (hole.Last - start >= length - 1) return (start, w);
                }
            }
        }
        return null;
    }

    private static (SetupResult, IFabricEvent[]) Unmapped(HostTopology host, Ioas ioas, IoasArea[] areas)
    {
        var bytes = areas.Aggregate(0UL, (sum, a) => sum + a.Length);
        return (SetupResult.Returned(unchecked((long)bytes)),
            areas.Select(a => (IFabricEvent)new IoasUnmapped(host.Name, ioas.Id, a.Iova, a.Length)).ToArray());
    }

    // ---- The rules, one each ---------------------------------------------------------------------

    /// <summary>cmd-&gt;iova &gt;= ULONG_MAX || cmd-&gt;length &gt;= ULONG_MAX: -EOVERFLOW.</summary>
    private static SetupResult? AddressesFit(ulong iova, ulong length) =>
        iova == ulong.MaxValue || length == ulong.MaxValue ? SetupResult.Fail(Errno.EOVERFLOW, "iova and length must be below U64_MAX") : null;

    private static SetupResult? ReadableOrWriteable(uint flags) =>
        (flags & (IoasMapFlags.Readable | IoasMapFlags.Writeable)) == 0
            ? SetupResult.Fail(Errno.EINVAL, "a mapping must be READABLE (4), WRITEABLE (2) or both")
            : null;

    /// <summary>Seed 003: an unmap lies inside one window, in whole pages of it.</summary>
    private static SetupResult? InsideOneWindow(Ioas ioas, ulong iova, ulong last, ulong length)
    {
        if (ioas.WindowAt(iova) is not { } w || !w.Holds(iova, last))
            return SetupResult.Fail(Errno.EINVAL, $"0x{iova:x}..0x{last:x} is not inside one window of IOAS {ioas.Id}{WindowList(ioas)}");
        return w.IsAligned(iova) && w.IsAligned(length) ? null
            : SetupResult.Fail(Errno.EINVAL, $"0x{iova:x}+0x{length:x} is not whole pages of window {w}");
    }

    /// <summary>Seed 003: a copy goes only to a window whose pages divide the source window's, so every source page is whole pages of it.</summary>
    private static SetupResult? CopyIsCompatible(IoasWindow destination, ulong? sourcePage) =>
        sourcePage is { } s && destination.PageSize > s
            ? SetupResult.Fail(Errno.EINVAL, $"window {destination} has larger pages than the source window's 0x{s:x}: the windows are not compatible")
            : null;

    private static string WindowList(Ioas ioas) =>
        ioas.Windows.Count == 0 ? " (it has no window; CREATE_WINDOW one)" : $" (its windows: {string.Join(", ", ioas.Windows)})";

    private static bool Readable(uint flags) => (flags & IoasMapFlags.Readable) != 0;
    private static bool Writeable(uint flags) => (flags & IoasMapFlags.Writeable) != 0;
}
