using Fabric.Host;
using Fabric.Messages;

namespace Fabric.Iommufd;

/// <summary>
/// The iommufd ioctls of one host (drivers/iommu/iommufd/ioas.c, io_pagetable.c, device.c; spec
/// vfio-iommufd.md section 3) with seed 003's windows, decided against its
/// <see cref="HostTopology"/>. Each check is a named rule called in the kernel's order; Apply
/// (<see cref="IommufdContext.Apply"/>) is the only mutation. Errnos follow the iommufd contract:
/// EOPNOTSUPP an unknown flag or value, EOVERFLOW an address past the top, EINVAL a bad field,
/// ENOENT no such object or nothing mapped, EEXIST something there already, EADDRINUSE a reserved
/// range in the way, ENOSPC no room, EBUSY in use, EMSGSIZE a buffer too small.
/// </summary>
public static class IommufdIoctls
{
    /// <summary>The page automatic iovas stay above (iopt_alloc_iova never returns 0): Fabric's PAGE_SIZE.</summary>
    public const ulong PageSize = 4096;

    public static (SetupResult, IFabricEvent[]) Decide(HostTopology host, IIommufdCommand command) => command switch
    {
        AllocIoas c => Alloc(host, c),
        DestroyIoas c => Destroy(host, c),
        CreateIoasWindow c => IoasWindows.Create(host, c),
        RemoveIoasWindow c => IoasWindows.Remove(host, c),
        MapIoas c => IoasMapping.Map(host, c),
        UnmapIoas c => IoasMapping.Unmap(host, c),
        CopyIoas c => IoasMapping.Copy(host, c),
        GetIoasIovaRanges c => (IovaRanges(host.Iommufd, c).Result, []),
        AllowIoasIovas c => AllowIovas(host, c),
        AddIoasReserved c => AddReserved(host, c),
        AttachIoas c => IoasAttachment.Attach(host, c),
        ReplaceIoas c => IoasAttachment.Replace(host, c),
        DetachIoas c => IoasAttachment.Detach(host, c),
        _ => Fail(Errno.ENOTTY, $"{command.GetType().Name} is not an iommufd ioctl"),
    };

    /// <summary>iommufd_ioas_alloc_ioctl.</summary>
    private static (SetupResult, IFabricEvent[]) Alloc(HostTopology host, AllocIoas c)
    {
        if (FlagsAreKnown(c.Flags, 0) is { } flags) return Fail(flags);
        var id = host.Iommufd.NextId();
        return (SetupResult.Returned(id), [new IoasAllocated(host.Name, id)]);
    }

    /// <summary>IOMMU_DESTROY (iommufd_destroy, iommufd_object_remove): an IOAS a device uses is -EBUSY.</summary>
    private static (SetupResult, IFabricEvent[]) Destroy(HostTopology host, DestroyIoas c)
    {
        if (Lookup(host.Iommufd, c.Id, out var ioas) is { } missing) return Fail(missing);
        if (IoasIsUnused(ioas) is { } busy) return Fail(busy);
        return Ok(new IoasDestroyed(host.Name, c.Id));
    }

    /// <summary>
    /// iommufd_ioas_iova_ranges: the holes of the reserved ranges, as many as fit; -EMSGSIZE when
    /// they do not all fit, with the count written back so the caller can size its buffer.
    /// </summary>
    public static IoasIovaRanges IovaRanges(IommufdContext ctx, GetIoasIovaRanges c)
    {
        if (Lookup(ctx, c.Ioas, out var ioas) is { } missing) return new IoasIovaRanges(missing, 0, [], 0);
        var holes = IovaSpans.Holes(ioas.Reserved(), 0, ulong.MaxValue).ToArray();
        var result = holes.Length > c.NumIovas
            ? SetupResult.Fail(Errno.EMSGSIZE, $"IOAS {c.Ioas} has {holes.Length} usable ranges; the buffer holds {c.NumIovas}")
            : SetupResult.Ok;
        return new IoasIovaRanges(result, (uint)holes.Length, holes.Take((int)Math.Min(c.NumIovas, (uint)holes.Length)).ToArray(), ioas.IovaAlignment);
    }

    /// <summary>iommufd_ioas_allow_iovas: iommufd_ioas_load_iovas, then iopt_set_allow_iova, all or nothing.</summary>
    private static (SetupResult, IFabricEvent[]) AllowIovas(HostTopology host, AllowIoasIovas c)
    {
        if (Lookup(host.Iommufd, c.Ioas, out var ioas) is { } missing) return Fail(missing);
        for (var i = 0; i < c.Ranges.Length; i++)
        {
            var r = c.Ranges[i];
            if (r.Start >= r.Last) return Fail(Errno.EINVAL, $"allowed range {i} starts at or after its last address ({r})");
            if (c.Ranges.Take(i).FirstOrDefault(o => o.Overlaps(r.Start, r.Last)) is { } other)
                return Fail(Errno.EINVAL, $"allowed range {r} overlaps {other}");
        }
        foreach (var r in c.Ranges)
            if (ioas.Reserved().FirstOrDefault(x => x.Overlaps(r.Start, r.Last)) is { } reserved)
                return Fail(Errno.EADDRINUSE, $"allowed range {r} covers reserved {reserved}");
        return Ok(new IoasIovasAllowed(host.Name, c.Ioas, c.Ranges));
    }

    /// <summary>IOMMU_TEST_OP_ADD_RESERVED (iopt_reserve_iova): not over an area, an allowed range, or (seed 003) a window.</summary>
    private static (SetupResult, IFabricEvent[]) AddReserved(HostTopology host, AddIoasReserved c)
    {
        if (Lookup(host.Iommufd, c.Ioas, out var ioas) is { } missing) return Fail(missing);
        if (IovaSpans.LastOf(c.Start, c.Length) is not { } last) return Fail(Errno.EOVERFLOW, $"0x{c.Start:x}+0x{c.Length:x} passes the top of the address space");
        if (ioas.Areas.AnyIn(c.Start, last)) return Fail(Errno.EADDRINUSE, $"IOAS {c.Ioas} maps part of 0x{c.Start:x}..0x{last:x}");
        if (ioas.Allowed.FirstOrDefault(a => a.Overlaps(c.Start, last)) is { } allowed)
            return Fail(Errno.EADDRINUSE, $"0x{c.Start:x}..0x{last:x} is in allowed range {allowed}");
        if (ioas.Windows.FirstOrDefault(w => w.Overlaps(c.Start, last)) is { } window)
            return Fail(Errno.EADDRINUSE, $"0x{c.Start:x}..0x{last:x} is in window {window}");
        return Ok(new IoasReserved(host.Name, c.Ioas, c.Start, last));
    }

    // ---- Rules shared by the ioctls ------------------------------------------------------------

    /// <summary>iommufd_get_ioas: no object of that id, or not an IOAS, is -ENOENT.</summary>
    internal static SetupResult? Lookup(IommufdContext ctx, uint id, out Ioas ioas)
    {
        ioas = ctx.Find(id)!;
        return ioas is null ? SetupResult.Fail(Errno.ENOENT, $"there is no IOAS {id}; IOMMU_IOAS_ALLOC one") : null;
    }

    internal static SetupResult? FlagsAreKnown(uint flags, uint known) =>
        (flags & ~known) != 0 ? SetupResult.Fail(Errno.EOPNOTSUPP, $"flags 0x{flags:x} has bits this ioctl does not know (0x{flags & ~known:x})") : null;

    private static SetupResult? IoasIsUnused(Ioas ioas) =>
        ioas.Devices.Count > 0
            ? SetupResult.Fail(Errno.EBUSY, $"IOAS {ioas.Id} is in use: PE {string.Join(", ", ioas.Devices.Keys)} attached; detach or replace them first")
            : null;

    internal static (SetupResult, IFabricEvent[]) Ok(params IFabricEvent[] events) => (SetupResult.Ok, events);
    internal static (SetupResult, IFabricEvent[]) Fail(SetupResult r) => (r, []);
    internal static (SetupResult, IFabricEvent[]) Fail(Errno e, string detail) => (SetupResult.Fail(e, detail), []);
}
