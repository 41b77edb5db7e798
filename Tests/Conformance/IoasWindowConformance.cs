using Fabric.Messages;
using Fabric.Tests.Support;
using static Fabric.Tests.Conformance.IoasRig;

namespace Fabric.Tests.Conformance;

/// <summary>
/// Seed 003's IOVA windows on the pure core: an IOAS starts with none; CREATE_WINDOW checks its
/// attributes and what the attached hardware allows, and chooses what is left out; REMOVE_WINDOW
/// takes its mappings along; maps and unmaps stay inside windows, in their pages; copies go
/// between compatible windows; ATTACH fails when the IOAS's windows cannot be kept.
/// </summary>
public sealed class IoasWindowConformance
{
    private const ulong Gib = 1UL << 30;
    private const ulong High = 1UL << 59;
    private const uint Rw = IoasMapFlags.Readable | IoasMapFlags.Writeable;

    private static (IoasRig Rig, uint Ioas) Attached(int? group)
    {
        var rig = new IoasRig();
        var ioas = rig.Alloc();
        if (group is { } g) rig.Host.Ok(new AttachIoas(g, ioas));
        return (rig, ioas);
    }

    /// <summary>An sPAPR PE's IOAS with its two windows: 1 GiB of 4K pages at 0, 64 GiB of 64K pages at 2^59.</summary>
    private static (IoasRig Rig, uint Ioas) BothSpaprWindows()
    {
        var (rig, ioas) = Attached(1);
        rig.Window(ioas, Gib, Page, 0);
        rig.Window(ioas, 64 * Gib, 0x10000, High);
        return (rig, ioas);
    }

    // ---- an IOAS has no windows at creation -----------------------------------------------------------

    [Fact]
    public void a_new_ioas_has_no_windows_so_a_fixed_map_is_einval()
    {
        var (rig, ioas) = Attached(null);
        Assert.Empty(rig.Ioas(ioas).Windows);
        Assert.Equal(Errno.EINVAL, rig.MapFixed(ioas, UserBuffer, Page, 0x10000).Error);
    }

    [Fact]
    public void a_new_ioas_has_no_room_for_an_automatic_map_enospc() =>
        Assert.Equal(Errno.ENOSPC, Attached(1).Rig.Host.Errno(new MapIoas(1, Rw, UserBuffer, Page)));

    [Fact]
    public void ioas_ids_are_the_lowest_free_from_one()
    {
        var rig = new IoasRig();
        Assert.Equal([1u, 2u, 3u], new[] { rig.Alloc(), rig.Alloc(), rig.Alloc() });
        rig.Host.Ok(new DestroyIoas(2));
        Assert.Equal(2u, rig.Alloc());
        Assert.Equal(Errno.EOPNOTSUPP, rig.Host.Errno(new AllocIoas(1)));
    }

    // ---- CREATE_WINDOW's checks, in order -----------------------------------------------------------

    public static TheoryData<string, int?, CreateIoasWindow, Errno> CreateErrors() => new()
    {
        { "unknown flags", null, new CreateIoasWindow(1, Gib, Page, 0, Flags: 1), Errno.EOPNOTSUPP },
        { "no such IOAS", null, new CreateIoasWindow(9, Gib, Page, 0), Errno.ENOENT },
        { "size 0", null, new CreateIoasWindow(1, 0, Page, 0), Errno.EINVAL },
        { "page size not a power of two", null, new CreateIoasWindow(1, Gib, 0x3000, 0), Errno.EINVAL },
        { "size not whole pages", null, new CreateIoasWindow(1, Gib + 0x800, Page, 0), Errno.EINVAL },
        { "base not page aligned", null, new CreateIoasWindow(1, Gib, 0x10000, 0x1000), Errno.EINVAL },
        { "base + size past the top", null, new CreateIoasWindow(1, Gib, Page, ulong.MaxValue - Page + 1), Errno.EOVERFLOW },
        { "sPAPR: pages smaller than its 4K", 1, new CreateIoasWindow(1, Gib, 0x800, 0), Errno.EOPNOTSUPP },
        { "x86: pages smaller than its 4K", 2, new CreateIoasWindow(1, Gib, 0x200, 0), Errno.EOPNOTSUPP },
        { "sPAPR: base not one of its two", 1, new CreateIoasWindow(1, Gib, Page, Gib), Errno.EADDRINUSE },
        { "sPAPR: window 0 running into window 1", 1, new CreateIoasWindow(1, High * 2, Page, 0), Errno.EADDRINUSE },
        { "sPAPR: past its 2^60 aperture", 1, new CreateIoasWindow(1, High, Page, 1UL << 60), Errno.EADDRINUSE },
        { "x86: over its MSI range", 2, new CreateIoasWindow(1, 8 * Gib, Page, 0), Errno.EADDRINUSE },
        { "x86: past its 48-bit aperture", 2, new CreateIoasWindow(1, Gib, Page, 1UL << 48), Errno.EADDRINUSE },
        { "IODA1: past its 32-bit window", 6, new CreateIoasWindow(1, 8 * Gib, Page, 0), Errno.EADDRINUSE },
    };

    [Theory, MemberData(nameof(CreateErrors))]
    public void create_window_refuses(string why, int? group, CreateIoasWindow create, Errno expected)
    {
        var (rig, _) = Attached(group);
        Assert.True(expected == rig.Host.Errno(create), why);
        Assert.Empty(rig.Ioas(1).Windows);
    }

    [Fact]
    public void a_window_overlapping_another_is_eexist()
    {
        var (rig, ioas) = Attached(2);
        rig.Window(ioas, Gib, Page, 0);
        Assert.Equal(Errno.EEXIST, rig.Host.Errno(new CreateIoasWindow(ioas, Gib, Page, Gib / 2)));
    }

    [Fact]
    public void spapr_holds_two_windows_a_third_is_enospc()
    {
        var (rig, ioas) = Attached(1);
        Assert.Equal(0UL, rig.Window(ioas, Gib, Page));
        Assert.Equal(High, rig.Window(ioas, 64 * Gib, 0x10000));
        Assert.Equal(Errno.ENOSPC, rig.Host.Errno(new CreateIoasWindow(ioas, Gib, Page)));
    }

    [Fact]
    public void without_hardware_a_window_is_a_software_notion_anywhere()
    {
        var (rig, ioas) = Attached(null);
        rig.Window(ioas, 3 * Page, 1, 0x1234_5000);
        rig.Window(ioas, Gib, Page, ulong.MaxValue - Gib + 1);
        Assert.Equal(0UL, rig.Window(ioas, Page));
        Assert.Equal(3, rig.Ioas(ioas).Windows.Count);
    }

    [Fact]
    public void what_is_left_out_is_chosen_from_the_hardware()
    {
        var (rig, ioas) = Attached(2);
        rig.Window(ioas, Gib, Page, 0);
        // The next hole of the x86 IOMMU's aperture past the first window; its 4K page size.
        var b = rig.Window(ioas, Gib);
        Assert.Equal(Gib, b);
        Assert.Equal(Page, rig.Ioas(ioas).WindowAt(b)!.PageSize);
    }

    [Fact]
    public void an_automatic_window_skips_the_x86_msi_range()
    {
        var (rig, ioas) = Attached(2);
        rig.Window(ioas, 0xfed0_0000, Page, 0);
        var b = rig.Window(ioas, 2 * 1024 * 1024, 0);
        Assert.Equal(0xfef0_0000UL, b);
    }

    // ---- REMOVE_WINDOW ------------------------------------------------------------------------------

    [Fact]
    public void remove_window_drops_the_mappings_inside_and_only_those()
    {
        var (rig, ioas) = BothSpaprWindows();
        Assert.True(rig.MapFixed(ioas, UserBuffer, 4 * Page, 0x10000).Succeeded);
        Assert.True(rig.MapFixed(ioas, UserBuffer, 0x20000, High).Succeeded);
        var (result, events) = rig.Host.Decide(new RemoveIoasWindow(ioas, High));
        Assert.True(result.Succeeded);
        Assert.Equal([typeof(IoasUnmapped), typeof(IoasWindowRemoved)], events.Select(e => e.GetType()));
        foreach (var e in events) rig.Host.Apply(e);
        Assert.Equal([0x10000UL], rig.Ioas(ioas).Areas.Areas.Select(a => a.Iova));
        Assert.Equal(Errno.ENOENT, rig.Host.Errno(new RemoveIoasWindow(ioas, High)));
        Assert.Equal(Errno.EINVAL, rig.MapFixed(ioas, UserBuffer, 0x10000, High).Error);
    }

    // ---- MAP and UNMAP inside windows ---------------------------------------------------------------

    public static TheoryData<string, MapIoas, Errno> MapErrors() => new()
    {
        { "unknown flag", new MapIoas(1, Rw | 8, UserBuffer, 0x10000, High), Errno.EOPNOTSUPP },
        { "iova U64_MAX", new MapIoas(1, Rw | 1, UserBuffer, 0x10000, ulong.MaxValue), Errno.EOVERFLOW },
        { "length U64_MAX", new MapIoas(1, Rw | 1, UserBuffer, ulong.MaxValue, High), Errno.EOVERFLOW },
        { "neither readable nor writeable", new MapIoas(1, 1, UserBuffer, 0x10000, High), Errno.EINVAL },
        { "no such IOAS", new MapIoas(7, Rw | 1, UserBuffer, 0x10000, High), Errno.ENOENT },
        { "length 0", new MapIoas(1, Rw | 1, UserBuffer, 0, High), Errno.EINVAL },
        { "user_va + length past the top", new MapIoas(1, Rw | 1, ulong.MaxValue - 0xffff, 0x20000, High), Errno.EOVERFLOW },
        { "iova in no window", new MapIoas(1, Rw | 1, UserBuffer, 0x10000, 2 * Gib), Errno.EINVAL },
        { "length not whole 64K pages", new MapIoas(1, Rw | 1, UserBuffer, 0x1000, High), Errno.EINVAL },
        { "iova not on a 64K page", new MapIoas(1, Rw | 1, UserBuffer, 0x10000, High + 0x1000), Errno.EINVAL },
        { "running past the window's end", new MapIoas(1, Rw | 1, UserBuffer, 0x20000, High + 64 * Gib - 0x10000), Errno.EINVAL },
        { "user_va not on a 64K page", new MapIoas(1, Rw | 1, UserBuffer + 0x1000, 0x10000, High), Errno.EINVAL },
        { "automatic, length whole pages of no window", new MapIoas(1, Rw, UserBuffer, 0x800), Errno.EINVAL },
    };

    [Theory, MemberData(nameof(MapErrors))]
    public void map_refuses(string why, MapIoas map, Errno expected)
    {
        var (rig, ioas) = BothSpaprWindows();
        Assert.True(expected == rig.Host.Errno(map), why);
        Assert.Equal(0, rig.Ioas(ioas).Areas.Count);
    }

    [Fact]
    public void an_automatic_map_goes_to_a_window_whose_pages_it_fills()
    {
        var (rig, ioas) = BothSpaprWindows();
        Assert.InRange(rig.Map(ioas, UserBuffer, 0x1000), Page, Gib - 1);
        // A 16M-aligned user address of 16 MiB keeps its alignment, in the first window with room.
        var iova = rig.Map(ioas, UserBuffer, 1UL << 24);
        Assert.Equal(0UL, iova % (1UL << 24));
        Assert.Equal(1UL << 24, iova);
    }

    [Fact]
    public void an_automatic_map_with_no_room_left_is_enospc()
    {
        var (rig, ioas) = Attached(2);
        rig.Window(ioas, 0x10000, Page, 0x10000);
        rig.Map(ioas, UserBuffer, 0x8000);
        rig.Map(ioas, UserBuffer, 0x8000);
        Assert.Equal(Errno.ENOSPC, rig.Host.Errno(new MapIoas(ioas, Rw, UserBuffer, Page)));
    }

    [Fact]
    public void an_automatic_map_never_takes_iova_zero()
    {
        var (rig, ioas) = Attached(1);
        rig.Window(ioas, 2 * Page, Page, 0);
        Assert.Equal(Page, rig.Map(ioas, UserBuffer, Page));
        Assert.Equal(Errno.ENOSPC, rig.Host.Errno(new MapIoas(ioas, Rw, UserBuffer, Page)));
    }

    public static TheoryData<string, UnmapIoas, Errno> UnmapErrors() => new()
    {
        { "no such IOAS", new UnmapIoas(7, High, 0x10000), Errno.ENOENT },
        { "iova U64_MAX", new UnmapIoas(1, ulong.MaxValue, 0x10000), Errno.EOVERFLOW },
        { "length 0", new UnmapIoas(1, High, 0), Errno.EINVAL },
        { "past the top", new UnmapIoas(1, ulong.MaxValue - 0xfff, 0x2000), Errno.EOVERFLOW },
        { "across two windows", new UnmapIoas(1, 0, High + 0x10000), Errno.EINVAL },
        { "in no window", new UnmapIoas(1, 2 * Gib, 0x10000), Errno.EINVAL },
        { "not whole 64K pages", new UnmapIoas(1, High, 0x1000), Errno.EINVAL },
        { "not on a 64K page", new UnmapIoas(1, High + 0x1000, 0x10000), Errno.EINVAL },
    };

    [Theory, MemberData(nameof(UnmapErrors))]
    public void unmap_refuses(string why, UnmapIoas unmap, Errno expected)
    {
        var (rig, ioas) = BothSpaprWindows();
        Assert.True(rig.MapFixed(ioas, UserBuffer, 0x10000, High).Succeeded);
        Assert.True(expected == rig.Host.Errno(unmap), why);
        Assert.Equal(1, rig.Ioas(ioas).Areas.Count);
    }

    // ---- COPY between compatible windows ------------------------------------------------------------

    [Fact]
    public void copy_from_large_pages_to_small_pages_works_the_other_way_is_einval()
    {
        var (rig, ioas) = BothSpaprWindows();
        Assert.True(rig.MapFixed(ioas, UserBuffer, 0x10000, High).Succeeded);
        Assert.True(rig.MapFixed(ioas, UserBuffer, 0x10000, 0x100000).Succeeded);
        Assert.True(rig.Copy(ioas, 0x200000, ioas, High, 0x10000).Succeeded);
        Assert.Equal(Errno.EINVAL, rig.Copy(ioas, High + 0x10000, ioas, 0x100000, 0x10000).Error);
    }

    [Fact]
    public void a_writeable_copy_of_a_read_only_mapping_is_eperm()
    {
        var (rig, ioas) = Attached(2);
        rig.Window(ioas, Gib, Page, 0);
        Assert.True(rig.MapFixed(ioas, UserBuffer, Page, 0x10000, IoasMapFlags.Readable).Succeeded);
        Assert.Equal(Errno.EPERM, rig.Copy(ioas, 0x20000, ioas, 0x10000, Page).Error);
        Assert.True(rig.Host.Run(new CopyIoas(IoasMapFlags.FixedIova | IoasMapFlags.Readable, ioas, ioas, Page, 0x20000, 0x10000)).Succeeded);
    }

    [Fact]
    public void copy_checks_flags_addresses_and_ids_in_order()
    {
        var (rig, ioas) = Attached(2);
        rig.Window(ioas, Gib, Page, 0);
        Assert.True(rig.MapFixed(ioas, UserBuffer, Page, 0x10000).Succeeded);
        Assert.Equal(Errno.EOPNOTSUPP, rig.Host.Errno(new CopyIoas(0x10 | Rw, ioas, ioas, Page, 0, 0x10000)));
        Assert.Equal(Errno.EOVERFLOW, rig.Host.Errno(new CopyIoas(Rw, ioas, ioas, Page, ulong.MaxValue, 0x10000)));
        Assert.Equal(Errno.EINVAL, rig.Host.Errno(new CopyIoas(IoasMapFlags.FixedIova, ioas, ioas, Page, 0, 0x10000)));
        Assert.Equal(Errno.ENOENT, rig.Host.Errno(new CopyIoas(Rw, ioas, 9, Page, 0, 0x10000)));
        Assert.Equal(Errno.EINVAL, rig.Host.Errno(new CopyIoas(Rw, ioas, ioas, 0, 0, 0x10000)));
        Assert.Equal(Errno.ENOENT, rig.Host.Errno(new CopyIoas(Rw, ioas, ioas, 2 * Page, 0, 0x10000)));
        Assert.Equal(Errno.ENOENT, rig.Host.Errno(new CopyIoas(Rw, 9, ioas, Page, 0, 0x10000)));
    }

    [Fact]
    public void copy_of_a_span_over_two_areas_makes_two_areas()
    {
        var (rig, ioas) = Attached(null);
        rig.Window(ioas, Gib, Page, 0);
        Assert.True(rig.MapFixed(ioas, UserBuffer, Page, 0x10000).Succeeded);
        Assert.True(rig.MapFixed(ioas, UserBuffer + 0x8000, Page, 0x11000).Succeeded);
        var iova = (ulong)rig.Host.Ok(new CopyIoas(Rw, ioas, ioas, 2 * Page, 0, 0x10000)).Value;
        Assert.Equal(UserBuffer, rig.Ioas(ioas).Areas.At(iova)!.UserVa);
        Assert.Equal(UserBuffer + 0x8000, rig.Ioas(ioas).Areas.At(iova + Page)!.UserVa);
    }

    // ---- ATTACH keeps the windows or fails ---------------------------------------------------------

    [Fact]
    public void attach_of_spapr_to_an_ioas_with_three_windows_is_eaddrinuse()
    {
        var (rig, ioas) = Attached(null);
        rig.Window(ioas, Gib, Page, 0);
        rig.Window(ioas, Gib, Page, High);
        rig.Window(ioas, Gib, Page, High + 4 * Gib);
        Assert.Equal(Errno.EADDRINUSE, rig.Host.Errno(new AttachIoas(1, ioas)));
        Assert.Null(rig.Host.Iommufd.IoasOf(1));
    }

    public static TheoryData<string, int, ulong, ulong, ulong> WindowsHardwareCannotKeep() => new()
    {
        { "sPAPR: not at one of its bases", 1, 1UL << 24, Gib, Page },
        { "sPAPR: pages smaller than 4K", 1, 0, Gib, 0x800 },
        { "x86: over its MSI range", 2, 0xf000_0000, Gib, Page },
        { "x86: past 48 bits", 2, 1UL << 50, Gib, Page },
        { "IODA1: at 2^59", 6, High, Gib, Page },
    };

    [Theory, MemberData(nameof(WindowsHardwareCannotKeep))]
    public void attach_fails_when_a_window_cannot_be_kept(string why, int group, ulong @base, ulong size, ulong page)
    {
        var (rig, ioas) = Attached(null);
        rig.Window(ioas, size, page, @base);
        Assert.True(Errno.EADDRINUSE == rig.Host.Errno(new AttachIoas(group, ioas)), why);
        Assert.Empty(rig.Ioas(ioas).Devices);
    }

    [Fact]
    public void attach_of_x86_to_an_ioas_allowing_its_msi_range_is_eaddrinuse()
    {
        var (rig, ioas) = Attached(null);
        rig.Host.Ok(new AllowIoasIovas(ioas, [new IovaRange(0xf000_0000, 0xffff_ffff)]));
        Assert.Equal(Errno.EADDRINUSE, rig.Host.Errno(new AttachIoas(2, ioas)));
    }

    [Fact]
    public void attach_checks_the_device_the_ioas_and_the_owner_of_its_dma()
    {
        var (rig, ioas) = Attached(1);
        Assert.Equal(Errno.ENOENT, rig.Host.Errno(new AttachIoas(42, ioas)));
        Assert.Equal(Errno.EINVAL, rig.Host.Errno(new AttachIoas(5, ioas)));
        Assert.Equal(Errno.ENOENT, rig.Host.Errno(new AttachIoas(3, 9)));
        Assert.Equal(Errno.EINVAL, rig.Host.Errno(new AttachIoas(1, ioas)));
        rig.Host.Ok(new CreateContainer("c0", [3], [new HardwareWindow(0, 12, 0, 1 << 18)]));
        Assert.Equal(Errno.EBUSY, rig.Host.Errno(new AttachIoas(3, ioas)));
        // And the other way round: a group iommufd owns cannot join a container.
        Assert.Equal(Errno.EBUSY, rig.Host.Errno(new CreateContainer("c1", [1], [new HardwareWindow(0, 12, 0, 1 << 18)])));
        Assert.Equal(Errno.ENODEV, rig.Host.Errno(new CreateContainer("c2", [4], [new HardwareWindow(0, 12, 0, 1 << 18)])));
    }

    [Fact]
    public void two_devices_of_different_iommus_narrow_what_a_window_may_be()
    {
        var (rig, ioas) = Attached(2);
        rig.Host.Ok(new AttachIoas(1, ioas));
        // x86 takes no window at 2^59; sPAPR none at 1G; both one at 0 below the MSI range.
        Assert.Equal(Errno.EADDRINUSE, rig.Host.Errno(new CreateIoasWindow(ioas, Gib, Page, High)));
        Assert.Equal(Errno.EADDRINUSE, rig.Host.Errno(new CreateIoasWindow(ioas, Gib, Page, Gib)));
        Assert.Equal(0UL, rig.Window(ioas, Gib));
        Assert.Equal(Errno.ENOSPC, rig.Host.Errno(new CreateIoasWindow(ioas, Gib, Page)));
    }

    // ---- REPLACE: the domain switch of seed 003 -------------------------------------------------------

    [Fact]
    public void replace_checks_that_the_device_is_attached_and_the_target_can_be_kept()
    {
        var (rig, ioas) = Attached(1);
        var other = rig.Alloc();
        Assert.Equal(Errno.EINVAL, rig.Host.Errno(new ReplaceIoas(3, other)));
        Assert.Equal(Errno.ENOENT, rig.Host.Errno(new ReplaceIoas(1, 9)));
        rig.Window(other, Gib, Page, Gib);
        Assert.Equal(Errno.EADDRINUSE, rig.Host.Errno(new ReplaceIoas(1, other)));
        Assert.Equal(ioas, rig.Host.Iommufd.IoasOf(1));
        Assert.Empty(rig.Host.Decide(new ReplaceIoas(1, ioas)).Item2);
    }

    /// <summary>
    /// Seed 003, Jason's way: the guest starts on a small default domain; when it asks for a 64-bit
    /// window the VMM builds an IOAS with both windows, copies the low mappings over and switches the
    /// device to it, attached at every step.
    /// </summary>
    [Fact]
    public void the_domain_switch_copies_the_lower_mappings_and_keeps_the_device_attached()
    {
        var (rig, small) = Attached(1);
        rig.Window(small, Gib, Page, 0);
        Assert.True(rig.MapFixed(small, UserBuffer, 4 * Page, 0x10000).Succeeded);
        Assert.True(rig.MapFixed(small, UserBuffer + 0x100000, Page, 0x40000).Succeeded);

        var large = rig.Alloc();
        Assert.Equal(1u, rig.Host.Iommufd.IoasOf(1));
        rig.Window(large, Gib, Page, 0);
        rig.Window(large, 64 * Gib, 0x10000, High);
        foreach (var area in rig.Ioas(small).Areas.Areas.ToArray())
            Assert.True(rig.Copy(large, area.Iova, small, area.Iova, area.Length).Succeeded);
        Assert.Equal(small, rig.Host.Iommufd.IoasOf(1));
        rig.Host.Ok(new ReplaceIoas(1, large));
        Assert.Equal(large, rig.Host.Iommufd.IoasOf(1));
        Assert.Equal(rig.Ioas(small).Areas.Areas, rig.Ioas(large).Areas.Areas);
        Assert.True(rig.MapFixed(large, UserBuffer, 1UL << 24, High).Succeeded);
        rig.Host.Ok(new DestroyIoas(small));
    }

    [Fact]
    public void detach_of_a_device_attached_to_nothing_is_einval()
    {
        var (rig, ioas) = Attached(2);
        rig.Host.Ok(new DetachIoas(2));
        Assert.Equal(Errno.EINVAL, rig.Host.Errno(new DetachIoas(2)));
        rig.Host.Ok(new DestroyIoas(ioas));
    }
}
