using Fabric.Messages;
using Fabric.Vfio;

namespace Fabric.Tests.Conformance;

/// <summary>
/// How the host builds a guest's dynamic window: QEMU's choice of IOMMU page and levels
/// (hw/vfio/spapr.c) and PowerNV's table geometry rules (pci-ioda-tce.c). The ioctls' errnos
/// are in config/traces/ddw-vfio.trace.
/// </summary>
public sealed class SpaprTceWindowsConformance
{
    [Theory]
    [InlineData(PeIommu.Ioda2, 12, 12)]
    [InlineData(PeIommu.Ioda2, 16, 16)]
    [InlineData(PeIommu.Ioda2, 21, 16)]   // 2M guest pages: the host's RAM pages are 64K
    [InlineData(PeIommu.Ioda2, 24, 16)]   // 16M guest pages: 256 subpages each
    [InlineData(PeIommu.Ioda1, 16, 12)]
    public void The_host_page_is_the_largest_the_PEs_offer_up_to_the_guests_and_the_host_RAMs(PeIommu iommu, int guest, int host) =>
        Assert.Equal(host, SpaprTceWindows.HostPageShift(iommu, guest));

    [Fact]
    public void No_IOMMU_means_no_host_page() => Assert.Null(SpaprTceWindows.HostPageShift(PeIommu.None, 16));

    [Theory]
    [InlineData(1UL << 18, 1u)]   // 16 GiB of 64K pages: 2 MiB of TCEs, 21 bits
    [InlineData(1UL << 21, 1u)]   // 24 bits: one level of 64K pages of entries still
    [InlineData(1UL << 22, 2u)]   // 16 GiB of 4K pages: 25 bits
    [InlineData(1UL << 50, 3u)]
    public void QEMU_asks_for_levels_of_one_host_page_of_index_bits_each(ulong entries, uint levels) =>
        Assert.Equal(levels, SpaprTceWindows.Levels(entries));

    [Theory]
    [InlineData(16u, 1UL << 34, 1u, true)]
    [InlineData(12u, 1UL << 40, 1u, true)]    // 28 bits of entries in one level: bit 40
    [InlineData(12u, 1UL << 62, 5u, false)]   // 5 levels of 2^10 entries of 4K: bit 62
    [InlineData(24u, 1UL << 50, 1u, true)]
    [InlineData(16u, 3UL << 32, 1u, false)]
    [InlineData(16u, 1UL << 15, 1u, false)]
    [InlineData(16u, 1UL << 34, 0u, false)]
    [InlineData(16u, 1UL << 34, 6u, false)]
    public void A_table_needs_1_to_5_levels_a_power_of_two_window_of_a_page_or_more_and_to_stay_below_bit_55(uint pageShift, ulong size, uint levels, bool ok) =>
        Assert.Equal(ok, SpaprTceWindows.TableGeometry(pageShift, size, levels) is null);
}

/// <summary>A hardware table of several levels allocates its leaves on first write (pnv_tce with alloc).</summary>
public sealed class MultiLevelTableConformance
{
    private static readonly HardwareWindow Window = new(1, 16, 1UL << 59, 1UL << 22);

    [Fact]
    public void A_two_level_table_holds_only_its_top_level_until_written()
    {
        var t = new Fabric.Container.HardwareTceTable("c0/1", Window, levels: 2);

        Assert.Equal(11, Fabric.Container.HardwareTceTable.LevelBits(Window, 2));
        Assert.Equal(16 * 1024, t.AllocatedBytes);
        t.Write(Window.BusOffset >> 16, 0);
        Assert.Equal(16 * 1024, t.AllocatedBytes);
        t.Write((Window.BusOffset >> 16) + 5, 0x10003);
        t.Write((Window.BusOffset >> 16) + 2047, 0x20003);
        Assert.Equal(2 * 16 * 1024, t.AllocatedBytes);
        t.Write((Window.BusOffset >> 16) + 2048, 0x30003);
        Assert.Equal(3 * 16 * 1024, t.AllocatedBytes);
        Assert.Equal(0x20003UL, t.Read((Window.BusOffset >> 16) + 2047));
    }

    [Fact]
    public void A_one_level_table_is_the_kernels_whole_table() =>
        Assert.Equal(8L << 22, new Fabric.Container.HardwareTceTable("c0/1", Window).AllocatedBytes);
}
