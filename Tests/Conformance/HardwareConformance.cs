using Fabric.Container;
using Fabric.HostPe;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vm;
using static Fabric.Tests.Conformance.Tv;

namespace Fabric.Tests.Conformance;

/// <summary>
/// The hardware side: guest TCE to hardware TCE with subpages (kvmppc_tce_iommu_map/unmap,
/// pnv_tce_xchg forcing READ with WRITE), the PE's TCE cache in front of the table walk, and
/// KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE's choice of a compatible hardware table.
/// </summary>
public sealed class HardwareConformance
{
    private static KillRange Mirror(ulong entry, ulong guestTce, int guestShift, HardwareTceTable hw, GuestRam? ram = null) =>
        HardwareMirror.Mirror(new TceRunWritten(entry, [guestTce]), guestShift, ram ?? NewRam(), hw);

    private static ulong[] Read(HardwareTceTable hw, ulong first, ulong count) =>
        Enumerable.Range(0, (int)count).Select(i => hw.Read(first + (ulong)i)).ToArray();

    // ---- HardwareMirror -------------------------------------------------------------------

    [Fact]
    public void hardware_mirror_writes_one_entry_per_subpage_with_consecutive_host_pages()
    {
        var hw = Hw.Table(12, 0, 0x1000);
        var kill = Mirror(1, 0x30000 | RW, 16, hw);

        var expected = Enumerable.Range(0, 16).Select(s => Hw.Entry(HostBase + 0x30000 + ((ulong)s << 12), RW)).ToArray();
        Assert.Equal(expected, Read(hw, 16, 16));
        Assert.Equal(0UL, hw.Read(15));
        Assert.Equal(0UL, hw.Read(32));
        Assert.Equal(new KillRange(hw, 16, 16), kill);
    }

    [Fact]
    public void hardware_mirror_clear_clears_every_subpage()
    {
        var hw = Hw.Table(12, 0, 0x1000);
        Mirror(1, 0x30000 | RW, 16, hw);
        var kill = Mirror(1, 0, 16, hw);
        Assert.All(Read(hw, 16, 16), e => Assert.Equal(0UL, e));
        Assert.Equal(new KillRange(hw, 16, 16), kill);
    }

    [Fact]
    public void hardware_mirror_same_page_size_writes_one_entry()
    {
        var hw = Hw.Table(12, 0, 0x400);
        var kill = Mirror(5, 0x7000 | R, 12, hw);
        Assert.Equal(Hw.Entry(HostBase + 0x7000, R), hw.Read(5));
        Assert.Equal(0UL, hw.Read(6));
        Assert.Equal(new KillRange(hw, 5, 1), kill);
    }

    [Theory]
    [InlineData(W, RW)]
    [InlineData(R, R)]
    [InlineData(RW, RW)]
    public void hardware_mirror_forces_read_with_write(ulong guestPerms, ulong hardwarePerms)
    {
        var hw = Hw.Table(12, 0, 0x1000);
        Mirror(2, 0x40000 | guestPerms, 16, hw);
        Assert.All(Read(hw, 32, 16), e => Assert.Equal(hardwarePerms, e & RW));
    }

    /// <summary>QEMU stores anything; what cannot be translated maps nothing (VFIO refuses it).</summary>
    [Theory]
    [InlineData(OutsideRam | RW)]
    [InlineData(0x8000_0000_0000_2000UL | RW)]
    [InlineData(0x2000UL)]                     // poison value without permissions
    public void hardware_mirror_maps_nothing_for_a_tce_that_does_not_translate(ulong guestTce)
    {
        var hw = Hw.Table(12, 0, 0x400);
        Mirror(3, 0x5000 | RW, 12, hw);
        Mirror(3, guestTce, 12, hw);
        Assert.Equal(0UL, hw.Read(3));
    }

    /// <summary>QEMU's notifier maps tce &amp; page_mask: junk below the guest page is dropped.</summary>
    [Fact]
    public void hardware_mirror_drops_junk_below_the_guest_page()
    {
        var hw = Hw.Table(12, 0, 0x400);
        Mirror(3, 0x5000 | 0x7F0 | RW, 12, hw);
        Assert.Equal(Hw.Entry(HostBase + 0x5000, RW), hw.Read(3));
    }

    [Fact]
    public void hardware_mirror_of_a_run_kills_every_subpage_of_it()
    {
        var hw = Hw.Table(12, 0, 0x1000);
        var kill = HardwareMirror.Mirror(new TceRunStuffed(2, 0, 3), 16, NewRam(), hw);
        Assert.Equal(new KillRange(hw, 32, 48), kill);
    }

    // ---- DmaEngine and TceCache -----------------------------------------------------------

    [Fact]
    public void dma_miss_walks_the_table_and_fills_the_cache()
    {
        var hw = Hw.Table(12, 0, 0x400);
        hw.Write(4, Hw.Entry(HostBase + 0x9000, RW));
        var cache = new TceCache(16);

        var first = DmaEngine.Translate([hw], cache, 0x4010, DmaDirection.Write);
        Assert.Equal(new DmaResult(DmaOutcome.Ok, HostBase + 0x9010), first);
        Assert.Equal((0L, 1L), (cache.Hits, cache.Misses));

        var second = DmaEngine.Translate([hw], cache, 0x4020, DmaDirection.Read);
        Assert.Equal(new DmaResult(DmaOutcome.Ok, HostBase + 0x9020), second);
        Assert.Equal((1L, 1L), (cache.Hits, cache.Misses));
    }

    [Fact]
    public void dma_hit_serves_a_stale_value_until_invalidated()
    {
        var hw = Hw.Table(12, 0, 0x400);
        var cache = new TceCache(16);
        hw.Write(4, Hw.Entry(HostBase + 0x9000, RW));
        DmaEngine.Translate([hw], cache, 0x4000, DmaDirection.Read);

        hw.Write(4, 0);
        Assert.Equal(new DmaResult(DmaOutcome.Ok, HostBase + 0x9000), DmaEngine.Translate([hw], cache, 0x4000, DmaDirection.Read));

        cache.Invalidate(hw.Key, 4, 1);
        Assert.Equal(DmaOutcome.Fault, DmaEngine.Translate([hw], cache, 0x4000, DmaDirection.Read).Outcome);
    }

    [Fact]
    public void dma_invalidate_of_another_range_or_table_keeps_the_entry()
    {
        var hw = Hw.Table(12, 0, 0x400);
        var cache = new TceCache(16);
        hw.Write(4, Hw.Entry(HostBase + 0x9000, RW));
        DmaEngine.Translate([hw], cache, 0x4000, DmaDirection.Read);
        hw.Write(4, 0);

        cache.Invalidate(hw.Key, 5, 3);
        cache.Invalidate("c9/0", 4, 1);
        Assert.Equal(DmaOutcome.Ok, DmaEngine.Translate([hw], cache, 0x4000, DmaDirection.Read).Outcome);

        cache.Invalidate(hw.Key, 0, 16);   // a range as large as the cache kills the table
        Assert.Equal(DmaOutcome.Fault, DmaEngine.Translate([hw], cache, 0x4000, DmaDirection.Read).Outcome);
    }

    [Theory]
    [InlineData(R, DmaDirection.Read, true)]
    [InlineData(R, DmaDirection.Write, false)]
    [InlineData(W, DmaDirection.Write, true)]
    [InlineData(W, DmaDirection.Read, false)]
    [InlineData(RW, DmaDirection.Read, true)]
    [InlineData(RW, DmaDirection.Write, true)]
    [InlineData(0UL, DmaDirection.Read, false)]
    public void dma_checks_the_permission_of_its_direction(ulong perms, DmaDirection dir, bool allowed)
    {
        var hw = Hw.Table(12, 0, 0x400);
        hw.Write(1, Hw.Entry(HostBase + 0x2000, perms));
        var result = DmaEngine.Translate([hw], new TceCache(16), 0x1000, dir);
        Assert.Equal(allowed ? DmaOutcome.Ok : DmaOutcome.Fault, result.Outcome);
    }

    /// <summary>Through the mirror a write-only guest TCE is R|W in hardware, so the device may also read.</summary>
    [Fact]
    public void dma_may_read_through_a_write_only_guest_tce()
    {
        var hw = Hw.Table(12, 0, 0x400);
        Mirror(1, 0x2000 | W, 12, hw);
        var result = DmaEngine.Translate([hw], new TceCache(16), 0x1000, DmaDirection.Read);
        Assert.Equal(new DmaResult(DmaOutcome.Ok, HostBase + 0x2000), result);
    }

    [Fact]
    public void dma_through_a_clear_entry_faults_and_caches_nothing()
    {
        var hw = Hw.Table(12, 0, 0x400);
        var cache = new TceCache(16);
        Assert.Equal(DmaOutcome.Fault, DmaEngine.Translate([hw], cache, 0x1000, DmaDirection.Read).Outcome);

        hw.Write(1, Hw.Entry(HostBase + 0x2000, R));
        Assert.Equal(DmaOutcome.Ok, DmaEngine.Translate([hw], cache, 0x1000, DmaDirection.Read).Outcome);
    }

    [Fact]
    public void dma_outside_every_window_faults()
    {
        var low = Hw.Table(12, 0, 0x400, window: 0);
        var high = Hw.Table(16, 1UL << 59, 0x100, window: 1);
        high.Write((1UL << 59 >> 16) + 2, Hw.Entry(HostBase + 0x20000, RW));
        var cache = new TceCache(16);

        Assert.Equal(DmaOutcome.Fault, DmaEngine.Translate([low, high], cache, 0x40_0000, DmaDirection.Read).Outcome);
        Assert.Equal(new DmaResult(DmaOutcome.Ok, HostBase + 0x2_1234),
            DmaEngine.Translate([low, high], cache, (1UL << 59) + 0x2_1234, DmaDirection.Read));
    }

    // ---- GroupBinding ---------------------------------------------------------------------

    /// <summary>kvm_spapr_tce_attach_iommu_group: it_page_shift &lt;= page_shift, same bus offset, at least the size.</summary>
    [Theory]
    [InlineData(12, 0UL, 0x400UL, true)]        // identical
    [InlineData(12, 0UL, 0x1000UL, true)]       // larger hardware window
    [InlineData(12, 0UL, 0x3FFUL, false)]       // smaller
    [InlineData(16, 0UL, 0x400UL, false)]       // larger hardware page
    [InlineData(12, 0x1000UL, 0x400UL, false)]  // another bus offset
    public void group_binding_compatible_with_a_4k_guest_window(int hwShift, ulong hwBus, ulong hwEntries, bool compatible)
    {
        Assert.Equal(compatible, GroupBinding.Compatible(Hw.Table(hwShift, hwBus, hwEntries), Small));
    }

    [Theory]
    [InlineData(12, 0UL, 0x1000UL, true)]       // 4K hardware under 64K guest pages: 16 subpages each
    [InlineData(16, 0UL, 0x100UL, true)]
    [InlineData(12, 0UL, 0xFFFUL, false)]       // one 4K page short of 16 MiB
    [InlineData(24, 0UL, 0x1UL, false)]         // 16M hardware page over 64K guest pages
    public void group_binding_compares_bytes_not_entries(int hwShift, ulong hwBus, ulong hwEntries, bool compatible)
    {
        Assert.Equal(compatible, GroupBinding.Compatible(Hw.Table(hwShift, hwBus, hwEntries), Big));
    }

    [Fact]
    public void group_binding_with_an_offset_window_needs_the_same_bus_start()
    {
        Assert.True(GroupBinding.Compatible(Hw.Table(12, Offset.BusOffset, Offset.Size), Offset));
        Assert.False(GroupBinding.Compatible(Hw.Table(12, 0, Offset.Offset + Offset.Size), Offset));
    }

    [Fact]
    public void group_binding_picks_the_first_compatible_table()
    {
        var tooSmall = Hw.Table(12, 0, 0x10, window: 0);
        var first = Hw.Table(12, 0, 0x400, window: 1);
        var second = Hw.Table(12, 0, 0x800, window: 2);
        Assert.Equal((Errno.None, first), GroupBinding.PickTable([tooSmall, first, second], Small));
        Assert.Equal((Errno.EINVAL, (HardwareTceTable?)null), GroupBinding.PickTable([tooSmall], Small));
    }
}
