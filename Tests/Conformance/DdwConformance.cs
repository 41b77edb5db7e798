using Fabric.Ddw;
using Fabric.Eeh;
using Fabric.Messages;

namespace Fabric.Tests.Conformance;

/// <summary>
/// The dynamic DMA window RTAS calls on an emulated PHB with QEMU's results
/// (hw/ppc/spapr_rtas_ddw.c, spec papr-tce.md section 3): counts, the largest block, the mask,
/// the addresses, LIOBN reuse, two windows at most, the default window removable, reset.
/// </summary>
public sealed class DdwConformance
{
    private static readonly ulong Default = AddPhb.Liobn(1, 0), Second = AddPhb.Liobn(1, 1);

    private static PhbWindows Phb(bool ddw = true, ulong mask = AddPhb.DefaultPageSizeMask) =>
        PhbWindows.Of(new PhbAdded("g", 1, AddPhb.BuidBase + 1, Default, AddPhb.DefaultWindowSize, ddw, mask, AddPhb.DefaultDma64WindowAddress));

    [Fact]
    public void Query_with_the_default_window_gives_one_available_the_largest_block_and_the_mask()
    {
        Assert.Equal([1UL, 0x80000000, 0x107, 0], DdwRtas.Query(Phb(), 5).Outputs);
        // nret 6: the largest block as two words, high then low.
        Assert.Equal([1UL, 0x20, 0, 0x107, 0], DdwRtas.Query(Phb(), 6).Outputs);
    }

    [Fact]
    public void A_PHB_without_DDW_refuses_every_call_as_a_parameter_error()
    {
        var off = Phb(ddw: false);
        Assert.Equal(RtasStatus.ParamError, DdwRtas.Query(off, 5).Status);
        Assert.Equal(RtasStatus.ParamError, DdwRtas.Create(off, 16, 30).Status);
        Assert.Equal(RtasStatus.ParamError, DdwRtas.Remove(off, Default).Status);
        Assert.Equal(RtasStatus.ParamError, DdwRtas.Reset(off).Status);
    }

    [Fact]
    public void Query_with_nret_other_than_5_or_6_is_a_parameter_error() =>
        Assert.Equal(RtasStatus.ParamError, DdwRtas.Query(Phb(), 4).Status);

    [Theory]
    [InlineData(13, 30)]   // 8K is no sPAPR page size
    [InlineData(25, 40)]   // 32M is not in 0x107
    [InlineData(16, 15)]   // a window smaller than its page
    public void A_page_size_outside_the_mask_or_a_window_below_one_page_is_a_parameter_error(int pageShift, int windowShift) =>
        Assert.Equal(RtasStatus.ParamError, DdwRtas.Create(Phb(), pageShift, windowShift).Status);

    [Fact]
    public void The_second_window_goes_at_the_64_bit_address_in_the_second_LIOBN()
    {
        var r = DdwRtas.Create(Phb(), 16, 40);

        Assert.Equal(RtasStatus.Success, r.Status);
        Assert.Equal([Second, (1UL << 59) >> 32, 0], r.Outputs);
        Assert.Equal(new DmaWindow(Second, 16, 1UL << 59, 1UL << 24), r.Phb.Windows.Last());
        Assert.Equal([0UL, 0x80000000, 0x107, 0], DdwRtas.Query(r.Phb, 5).Outputs);
    }

    [Fact]
    public void A_third_window_is_a_hardware_error()
    {
        var two = DdwRtas.Create(Phb(), 16, 40).Phb;
        Assert.Equal(RtasStatus.HwError, DdwRtas.Create(two, 16, 30).Status);
    }

    /// <summary>Linux pseries with a 64-bit window for all RAM: it removes the default window first, and reuses its LIOBN at address 0.</summary>
    [Fact]
    public void With_the_default_window_removed_a_new_window_reuses_its_LIOBN_at_address_zero()
    {
        var removed = DdwRtas.Remove(Phb(), Default);
        Assert.Equal((RtasStatus.Success, 0), (removed.Status, removed.Phb.Active));

        var r = DdwRtas.Create(removed.Phb, 24, 34);

        Assert.Equal([Default, 0UL, 0], r.Outputs);
        Assert.Equal(new DmaWindow(Default, 24, 0, 1UL << 10), Assert.Single(r.Phb.Windows));
    }

    [Fact]
    public void Removing_a_LIOBN_that_is_no_active_window_is_a_parameter_error()
    {
        Assert.Equal(RtasStatus.ParamError, DdwRtas.Remove(Phb(), Second).Status);
        Assert.Equal(RtasStatus.ParamError, DdwRtas.Remove(Phb(), 0x1234).Status);
    }

    [Fact]
    public void Reset_removes_every_window_and_re_creates_the_default_one()
    {
        var two = DdwRtas.Create(DdwRtas.Remove(Phb(), Default).Phb, 16, 40).Phb;
        two = DdwRtas.Create(two, 16, 40).Phb;

        var r = DdwRtas.Reset(two);

        Assert.Equal(RtasStatus.Success, r.Status);
        Assert.Equal([new DmaWindow(Default, 12, 0, AddPhb.DefaultWindowSize >> 12)], r.Phb.Windows);
    }
}
