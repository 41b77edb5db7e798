using Fabric.Messages;
using Fabric.Tests.Support;
using static Fabric.Tests.Conformance.IoasRig;

namespace Fabric.Tests.Conformance;

/// <summary>
/// The iommufd selftest's IOAS cases (tools/testing/selftests/iommu/iommufd.c, fixture iommufd_ioas)
/// on Fabric's pure core, each variant with one window where the selftest has its whole space.
/// Where seed 003's windows change an answer, the test says so.
/// </summary>
public sealed class IoasSelftestConformance
{
    public static TheoryData<string> Variants() => ["no_domain", "spapr_domain", "x86_domain"];

    /// <summary>The variants with room below their window for a reserved range (not sPAPR, whose window starts at 0).</summary>
    public static TheoryData<string> VariantsWithRoomBelow() => ["no_domain", "x86_domain"];

    [Theory, MemberData(nameof(Variants))]
    public void area_unmap_of_empty_space_is_enoent(string variant)
    {
        var (rig, ioas) = IoasVariant.Named(variant).Build();
        var b = IoasVariant.Named(variant).Base;
        for (ulong i = 0; i < 10; i++) Assert.Equal(Errno.ENOENT, rig.Unmap(ioas, b + i * Page, Page).Error);
    }

    [Theory, MemberData(nameof(Variants))]
    public void area_map_then_unmap_of_each_page_works(string variant)
    {
        var (rig, ioas) = IoasVariant.Named(variant).Build();
        var b = IoasVariant.Named(variant).Base;
        for (ulong i = 0; i < 10; i++) Assert.True(rig.MapFixed(ioas, UserBuffer, Page, b + i * Page).Succeeded);
        for (ulong i = 0; i < 10; i++) Assert.Equal((long)Page, rig.Unmap(ioas, b + i * Page, Page).Value);
        Assert.Equal(0, rig.Ioas(ioas).Areas.Count);
    }

    [Theory, MemberData(nameof(Variants))]
    public void area_unmap_that_would_split_a_mapping_is_enoent(string variant)
    {
        var (rig, ioas) = IoasVariant.Named(variant).Build();
        var b = IoasVariant.Named(variant).Base;
        Assert.True(rig.MapFixed(ioas, UserBuffer, 2 * Page, b + 16 * Page).Succeeded);
        Assert.Equal(Errno.ENOENT, rig.Unmap(ioas, b + 16 * Page, Page).Error);
        Assert.Equal(Errno.ENOENT, rig.Unmap(ioas, b + 17 * Page, Page).Error);
        Assert.Equal(2 * Page, rig.Ioas(ioas).Areas.MappedBytes);
    }

    /// <summary>The five overlaps of the selftest: the same, its head, its tail, across its head, over it whole.</summary>
    [Theory]
    [InlineData("no_domain", 2, 16)]
    [InlineData("no_domain", 1, 16)]
    [InlineData("no_domain", 1, 17)]
    [InlineData("no_domain", 2, 15)]
    [InlineData("no_domain", 3, 15)]
    [InlineData("spapr_domain", 2, 16)]
    [InlineData("spapr_domain", 1, 16)]
    [InlineData("spapr_domain", 1, 17)]
    [InlineData("spapr_domain", 2, 15)]
    [InlineData("spapr_domain", 3, 15)]
    [InlineData("x86_domain", 3, 15)]
    [InlineData("x86_domain", 1, 17)]
    public void area_every_kind_of_overlapping_map_is_eexist(string variant, int pages, int at)
    {
        var (rig, ioas) = IoasVariant.Named(variant).Build();
        var b = IoasVariant.Named(variant).Base;
        Assert.True(rig.MapFixed(ioas, UserBuffer, 2 * Page, b + 16 * Page).Succeeded);
        Assert.Equal(Errno.EEXIST, rig.MapFixed(ioas, UserBuffer, (ulong)pages * Page, b + (ulong)at * Page).Error);
    }

    [Theory, MemberData(nameof(Variants))]
    public void area_unmap_all_works_and_works_again_on_the_empty_ioas(string variant)
    {
        var (rig, ioas) = IoasVariant.Named(variant).Build();
        var b = IoasVariant.Named(variant).Base;
        Assert.True(rig.MapFixed(ioas, UserBuffer, 2 * Page, b + 16 * Page).Succeeded);
        Assert.True(rig.MapFixed(ioas, UserBuffer, Page, b).Succeeded);
        Assert.Equal((long)(3 * Page), rig.Unmap(ioas, 0, ulong.MaxValue).Value);
        var again = rig.Unmap(ioas, 0, ulong.MaxValue);
        Assert.True(again.Succeeded);
        Assert.Equal(0, again.Value);
    }

    [Theory, MemberData(nameof(VariantsWithRoomBelow))]
    public void unmap_fully_contained_areas_unmaps_only_whole_areas(string variant)
    {
        var (rig, ioas) = IoasVariant.Named(variant).Build();
        var b = IoasVariant.Named(variant).Base + 4 * Page;
        for (ulong i = 0; i < 4; i++) Assert.True(rig.MapFixed(ioas, UserBuffer, 8 * Page, b + i * 16 * Page).Succeeded);
        Assert.Equal(Errno.ENOENT, rig.Unmap(ioas, b - 4 * Page, 8 * Page).Error);
        Assert.Equal(Errno.ENOENT, rig.Unmap(ioas, b + 3 * 16 * Page + 8 * Page - 4 * Page, 8 * Page).Error);
        var all = rig.Unmap(ioas, b - 4 * Page, 3 * 16 * Page + 8 * Page + 4 * Page);
        Assert.Equal((long)(32 * Page), all.Value);
    }

    [Theory, MemberData(nameof(Variants))]
    public void area_auto_iova_is_aligned_to_the_length_and_never_zero(string variant)
    {
        var (rig, ioas) = IoasVariant.Named(variant).Build();
        var iovas = new ulong[10];
        for (var i = 0; i < 10; i++) iovas[i] = rig.Map(ioas, UserBuffer, Page);
        Assert.All(iovas, iova => Assert.NotEqual(0UL, iova));
        Assert.Equal(10, iovas.Distinct().Count());
        for (var i = 0; i < 10; i++) Assert.True(rig.Unmap(ioas, iovas[i], Page).Succeeded);
        for (var i = 0; i < 10; i++)
        {
            var length = Page * (ulong)(i + 1);
            iovas[i] = rig.Map(ioas, UserBuffer, length);
            Assert.Equal(0UL, iovas[i] % (length & (~length + 1)));
        }
        Assert.Equal(55 * Page, rig.Ioas(ioas).Areas.MappedBytes);
    }

    [Theory, MemberData(nameof(VariantsWithRoomBelow))]
    public void area_auto_iova_comes_from_the_allowed_range(string variant)
    {
        var (rig, ioas) = IoasVariant.Named(variant).Build();
        var b = IoasVariant.Named(variant).Base;
        var allowed = new IovaRange(b + 200 * Page, b + 600 * Page - 1);
        rig.Host.Ok(new AllowIoasIovas(ioas, [allowed]));
        for (var i = 0; i < 10; i++)
        {
            var length = Page * (ulong)(i + 1);
            var iova = rig.Map(ioas, UserBuffer, length);
            Assert.InRange(iova, allowed.Start, allowed.Last);
            Assert.InRange(iova + length - 1, allowed.Start, allowed.Last);
        }
    }

    [Theory, MemberData(nameof(VariantsWithRoomBelow))]
    public void area_allowed_and_reserved_ranges_may_not_intersect_either_way(string variant)
    {
        var (rig, ioas) = IoasVariant.Named(variant).Build();
        var b = IoasVariant.Named(variant).Base;
        // Reserved intersects an allowed range.
        rig.Host.Ok(new AllowIoasIovas(ioas, [new IovaRange(b - 4 * Page, b + 600 * Page)]));
        Assert.Equal(Errno.EADDRINUSE, rig.Host.Errno(new AddIoasReserved(ioas, b - 2 * Page, Page)));
        rig.Host.Ok(new AllowIoasIovas(ioas, []));
        // Allowed intersects a reserved range.
        rig.Host.Ok(new AddIoasReserved(ioas, b - 2 * Page, Page));
        Assert.Equal(Errno.EADDRINUSE, rig.Host.Errno(new AllowIoasIovas(ioas, [new IovaRange(b - 4 * Page, b + 600 * Page)])));
        Assert.Empty(rig.Ioas(ioas).Allowed);
    }

    /// <summary>Seed 003: a reserved range inside a window would take part of the window away: -EADDRINUSE.</summary>
    [Theory, MemberData(nameof(Variants))]
    public void a_reserved_range_inside_a_window_is_eaddrinuse(string variant)
    {
        var (rig, ioas) = IoasVariant.Named(variant).Build();
        Assert.Equal(Errno.EADDRINUSE, rig.Host.Errno(new AddIoasReserved(ioas, IoasVariant.Named(variant).Base + 4 * Page, 100 * Page)));
    }

    [Theory, MemberData(nameof(Variants))]
    public void copy_area_inside_one_ioas_and_to_another(string variant)
    {
        var (rig, ioas) = IoasVariant.Named(variant).Build();
        var b = IoasVariant.Named(variant).Base;
        Assert.True(rig.MapFixed(ioas, UserBuffer, Page, b).Succeeded);
        Assert.True(rig.Copy(ioas, b + Page, ioas, b, Page).Succeeded);
        var other = rig.Alloc();
        rig.Window(other, 1UL << 20, Page, 0);
        Assert.True(rig.Copy(other, 0, ioas, b, Page).Succeeded);
        Assert.Equal(UserBuffer, rig.Ioas(other).Areas.At(0)!.UserVa);
        Assert.Equal(UserBuffer, rig.Ioas(ioas).Areas.At(b + Page)!.UserVa);
    }

    [Fact]
    public void iova_ranges_of_an_ioas_without_devices_is_the_whole_space()
    {
        var (rig, ioas) = IoasVariant.NoDomain.Build();
        var r = Ranges(rig, ioas, 16);
        Assert.True(r.Result.Succeeded);
        Assert.Equal([new IovaRange(0, ulong.MaxValue)], r.Ranges);
        Assert.Equal(1UL, r.Alignment);
    }

    [Fact]
    public void iova_ranges_with_a_device_are_its_apertures_without_its_reserved_ranges()
    {
        var (rig, ioas) = IoasVariant.X86.Build();
        var r = Ranges(rig, ioas, 16);
        Assert.Equal([new IovaRange(0, 0xfedf_ffff), new IovaRange(0xfef0_0000, (1UL << 48) - 1)], r.Ranges);
        Assert.Equal(Page, r.Alignment);
        var (spapr, id) = IoasVariant.Spapr.Build();
        Assert.Equal([new IovaRange(0, (1UL << 60) - 1)], Ranges(spapr, id, 16).Ranges);
    }

    [Fact]
    public void iova_ranges_into_too_small_a_buffer_is_emsgsize_with_the_count()
    {
        var (rig, ioas) = IoasVariant.NoDomain.Build();
        var none = Ranges(rig, ioas, 0);
        Assert.Equal(Errno.EMSGSIZE, none.Result.Error);
        Assert.Equal(1u, none.NumIovas);
        Assert.Empty(none.Ranges);

        rig.Host.Ok(new AddIoasReserved(ioas, Page, Page));
        var two = Ranges(rig, ioas, 16);
        Assert.Equal([new IovaRange(0, Page - 1), new IovaRange(2 * Page, ulong.MaxValue)], two.Ranges);
        var one = Ranges(rig, ioas, 1);
        Assert.Equal(Errno.EMSGSIZE, one.Result.Error);
        Assert.Equal(2u, one.NumIovas);
        Assert.Equal([new IovaRange(0, Page - 1)], one.Ranges);
    }

    [Fact]
    public void iova_ranges_of_no_such_ioas_is_enoent() =>
        Assert.Equal(Errno.ENOENT, Fabric.Iommufd.IommufdIoctls.IovaRanges(new IoasRig().Host.Iommufd, new GetIoasIovaRanges(9, 4)).Result.Error);

    /// <summary>
    /// copy_sweep, as the selftest runs it on an IOAS with no domain: windows of 1-byte pages (a
    /// window is a software notion there), the source mapped up to BUFFER_SIZE - 2, a copy of 2K at
    /// every 511th byte from a page below: outside the mapping -ENOENT, inside it succeeds.
    /// </summary>
    [Fact]
    public void copy_sweep_at_every_offset_is_enoent_exactly_outside_the_mapping()
    {
        var rig = new IoasRig();
        var src = rig.Alloc();
        var dst = rig.Alloc();
        const ulong start = 1UL << 24, length = Page / 2;
        rig.Window(src, 1UL << 20, 1, start - (1UL << 19));
        rig.Window(dst, 1UL << 20, 1, start);
        var last = start + BufferSize - 2;
        Assert.True(rig.MapFixed(src, UserBuffer, last - start + 1, start).Succeeded);
        int ok = 0, enoent = 0;
        for (var iova = start - Page; iova <= last; iova += 511)
        {
            var copy = rig.Copy(dst, start, src, iova, length);
            if (iova < start || iova + length - 1 > last)
            {
                Assert.Equal(Errno.ENOENT, copy.Error);
                enoent++;
            }
            else
            {
                Assert.True(copy.Succeeded, copy.Detail);
                Assert.Equal(UserBuffer + (iova - start), rig.Ioas(dst).Areas.At(start)!.UserVa);
                Assert.Equal((long)length, rig.Unmap(dst, start, length).Value);
                ok++;
            }
        }
        Assert.True(ok > 100 && enoent > 8, $"{ok} copies, {enoent} refused");
    }

    /// <summary>The same sweep over 4K windows: an offset inside the mapping that is not a page boundary is -EINVAL (seed 003).</summary>
    [Theory, MemberData(nameof(Variants))]
    public void copy_sweep_over_4k_windows_takes_only_whole_pages(string variant)
    {
        var (rig, src) = IoasVariant.Named(variant).Build();
        var b = IoasVariant.Named(variant).Base;
        var dst = rig.Alloc();
        rig.Window(dst, 1UL << 20, Page, 0);
        var last = b + BufferSize - 1;
        Assert.True(rig.MapFixed(src, UserBuffer, BufferSize, b).Succeeded);
        for (var iova = b > Page ? b - Page : 0; iova <= last; iova += 511)
        {
            var copy = rig.Copy(dst, 0, src, iova, Page);
            var expected = iova < b || iova + Page - 1 > last ? Errno.ENOENT
                : iova % Page != 0 ? Errno.EINVAL
                : Errno.None;
            Assert.Equal(expected, copy.Error);
            if (copy.Succeeded) rig.Unmap(dst, 0, Page);
        }
    }

    [Theory, MemberData(nameof(Variants))]
    public void ioas_destroy_is_ebusy_while_a_device_uses_it(string variant)
    {
        var v = IoasVariant.Named(variant);
        var (rig, ioas) = v.Build();
        Assert.True(rig.MapFixed(ioas, UserBuffer, Page, v.Base).Succeeded);
        var destroyed = rig.Host.Run(new DestroyIoas(ioas));
        Assert.Equal(v.Group is null ? Errno.None : Errno.EBUSY, destroyed.Error);
        Assert.Equal(v.Group is not null, rig.Host.Iommufd.Find(ioas) is not null);
    }

    [Fact]
    public void destroy_of_no_such_object_is_enoent() => Assert.Equal(Errno.ENOENT, new IoasRig().Host.Errno(new DestroyIoas(0)));

    private static IoasIovaRanges Ranges(IoasRig rig, uint ioas, uint room) =>
        Fabric.Iommufd.IommufdIoctls.IovaRanges(rig.Host.Iommufd, new GetIoasIovaRanges(ioas, room));
}
