using Fabric.Messages;
using static Fabric.Tests.Conformance.Tv;

namespace Fabric.Tests.Conformance;

/// <summary>
/// The userspace handlers alone (spec section 1, "QEMU"; hw/ppc/spapr_iommu.c as observed
/// under QEMU 7.2), on tables only QEMU knows, so the composition hands every call straight to
/// them. Every QEMU error is H_PARAMETER; what tells the rules apart is what was written.
/// </summary>
public sealed class QemuHandlerConformance
{
    // ---- find the table ------------------------------------------------------------------

    [Theory]
    [InlineData(Op.Get)]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void qemu_rejects_a_liobn_it_has_no_table_for(Op op)
    {
        var rig = Rig.Kvm();
        var outcome = rig.Qemu(rig.Call(op, rig.Io(1), 0x2000 | RW));
        Assert.Equal(HcallReturn.Parameter, outcome.Ret);
        Assert.Equal(rig.Liobn, outcome.R4);
        Assert.Empty(outcome.Writes);
    }

    /// <summary>spapr_tce_find_by_liobn: "Request for out-of-bounds LIOBN" when the upper 32 bits are set.</summary>
    [Theory]
    [InlineData(Op.Get)]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void qemu_rejects_a_liobn_with_upper_32_bits_set(Op op)
    {
        var rig = Rig.Qemu(Small with { Liobn = WideLiobn });
        Assert.False(rig.Table.InUserspace);
        var handled = rig.Decide(rig.Call(op, rig.Io(1), 0x2000 | RW));
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Equal(HcallHandler.Qemu, handled.AnsweredBy);
        Assert.Equal(WideLiobn, handled.R4);
        Assert.Empty(handled.Writes);
    }

    // ---- the window check: ioba is masked, not rejected -----------------------------------

    [Theory]
    [InlineData(Op.Get, 0x1FFFUL)]
    [InlineData(Op.Put, 0x1234UL)]
    [InlineData(Op.Stuff, 0x1008UL)]
    [InlineData(Op.Indirect, 0x1001UL)]
    public void qemu_masks_ioba_to_the_page(Op op, ulong ioba)
    {
        var rig = Rig.Qemu();
        rig.Map(0x1000, 0x7000 | RW);
        var handled = rig.Do(rig.Call(op, ioba, 0x5000 | R));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(op == Op.Get ? 0x7000 | RW : 0x5000 | R, rig.At(0x1000));
        if (op == Op.Get) Assert.Equal(0x7000 | RW, handled.R4);
        else Assert.Equal(Writes.Run(1, 0x5000 | R), Writes.Flat(handled.Writes));
    }

    [Fact]
    public void qemu_masks_ioba_to_a_64k_table_page()
    {
        var rig = Rig.Qemu(Big);
        var handled = rig.Do(rig.Put(0x1F000, 0x30000 | RW));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(Writes.Run(1, 0x30000 | RW), Writes.Flat(handled.Writes));
    }

    [Theory]
    [InlineData(Op.Get)]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void qemu_rejects_ioba_past_window(Op op)
    {
        var rig = Rig.Qemu(Offset);
        var handled = rig.Decide(rig.Call(op, rig.EndIo, 0x2000 | RW));
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Empty(handled.Writes);
    }

    /// <summary>(ioba - bus_offset) wraps below the window, so the index is out of range.</summary>
    [Theory]
    [InlineData(Op.Get)]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void qemu_rejects_ioba_below_the_window(Op op)
    {
        var rig = Rig.Qemu(Offset);
        var handled = rig.Decide(rig.Call(op, rig.Geometry.BusOffset - 1, 0x2000 | RW));
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Empty(handled.Writes);
    }

    [Fact]
    public void qemu_numbers_entries_from_the_window_offset()
    {
        var rig = Rig.Qemu(Offset);
        var handled = rig.Do(rig.Put(rig.Io(0), 0x2000 | RW));
        Assert.Equal(Writes.Run(Offset.Offset, 0x2000 | RW), Writes.Flat(handled.Writes));
        Assert.Equal(0x2000 | RW, rig.At(Offset.BusOffset));
    }

    // ---- H_PUT_TCE: values verbatim ------------------------------------------------------

    [Theory]
    [InlineData(0x2000UL | RW)]
    [InlineData(0x2004UL | RW)]                 // junk below the page
    [InlineData(0x2FFFUL)]                      // junk, no permissions
    [InlineData(0xFFFF_0000_0000_2003UL)]       // junk above the RPN
    [InlineData(OutsideRam | R)]                // beyond guest RAM
    [InlineData(0x2000UL | W)]                  // write-only stays write-only in the view
    public void qemu_stores_tce_values_verbatim(ulong tce)
    {
        var rig = Rig.Qemu();
        Assert.Equal(HcallReturn.Success, rig.Do(rig.Put(rig.Io(9), tce)).Ret);
        var get = rig.Decide(rig.Get(rig.Io(9)));
        Assert.Equal(HcallReturn.Success, get.Ret);
        Assert.Equal(tce, get.R4);
    }

    // ---- H_PUT_TCE_INDIRECT --------------------------------------------------------------

    [Fact]
    public void qemu_indirect_writes_the_list_verbatim()
    {
        var rig = Rig.Qemu();
        var tces = new[] { 0x1000 | RW, 0x2004 | R, OutsideRam | RW, 0xFFFF_0000_0000_0000UL };
        var handled = rig.Do(rig.IndirectOf(rig.Io(20), tces));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(Writes.Run(20, tces), Writes.Flat(handled.Writes));
    }

    /// <summary>ret starts as H_PARAMETER and the loop never runs.</summary>
    [Fact]
    public void qemu_indirect_rejects_zero_pages()
    {
        var rig = Rig.Qemu();
        var handled = rig.Decide(rig.Indirect(rig.Io(0), ListGpa, 0));
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Empty(handled.Writes);
    }

    [Fact]
    public void qemu_indirect_rejects_more_than_512_entries()
    {
        var rig = Rig.Qemu();
        Assert.Equal(HcallReturn.Parameter, rig.Decide(rig.Indirect(rig.Io(0), ListGpa, 513)).Ret);
        Assert.Equal(HcallReturn.Success, rig.Decide(rig.Indirect(rig.Io(0), ListGpa, 512)).Ret);
    }

    [Theory]
    [InlineData(ListGpa + 8)]
    [InlineData(ListGpa + 0x800)]
    public void qemu_indirect_rejects_tce_list_not_4k_aligned(ulong list)
    {
        var rig = Rig.Qemu();
        var handled = rig.Decide(rig.Indirect(rig.Io(0), list, 1));
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Empty(handled.Writes);
    }

    [Fact]
    public void qemu_indirect_reads_a_list_outside_ram_as_zeros()
    {
        var rig = Rig.Qemu();
        rig.Map(rig.Io(1), 0x1000 | RW);
        rig.Map(rig.Io(2), 0x2000 | RW);
        var handled = rig.Do(rig.Indirect(rig.Io(0), OutsideRam, 3));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(Writes.Run(0, 0, 0, 0), Writes.Flat(handled.Writes));
        Assert.Equal(0UL, rig.At(rig.Io(1)));
        Assert.Equal(0UL, rig.At(rig.Io(2)));
    }

    [Fact]
    public void qemu_indirect_crossing_window_end_writes_in_range_entries_then_fails()
    {
        var rig = Rig.Qemu(Offset);
        var handled = rig.Do(rig.IndirectOf(rig.Io(Offset.Size - 2), 0x1000 | RW, 0x2000 | RW, 0x3000 | RW, 0x4000 | RW));
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Equal(Writes.Run(Offset.Offset + Offset.Size - 2, 0x1000 | RW, 0x2000 | RW), Writes.Flat(handled.Writes));
        Assert.Equal(0x2000 | RW, rig.At(rig.LastIo));
    }

    // ---- H_STUFF_TCE ---------------------------------------------------------------------

    [Theory]
    [InlineData(0UL)]
    [InlineData(R)]
    [InlineData(0x2000UL | RW)]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL)]
    public void qemu_stuff_accepts_any_value(ulong value)
    {
        var rig = Rig.Qemu();
        var handled = rig.Do(rig.Stuff(rig.Io(3), value, 2));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(Writes.Run(3, value, value), Writes.Flat(handled.Writes));
        Assert.Equal(value, rig.At(rig.Io(4)));
    }

    [Fact]
    public void qemu_stuff_rejects_zero_pages()
    {
        var rig = Rig.Qemu();
        var handled = rig.Decide(rig.Stuff(rig.Io(0), 0, 0));
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Empty(handled.Writes);
    }

    [Fact]
    public void qemu_stuff_has_no_512_limit()
    {
        var rig = Rig.Qemu();
        var handled = rig.Decide(rig.Stuff(rig.Io(0), 0, rig.Geometry.Size));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(rig.Geometry.Size, Writes.Count(handled.Writes));
    }

    /// <summary>npages &gt; nb_table is checked before the loop: nothing is written, unlike a crossing run.</summary>
    [Fact]
    public void qemu_stuff_rejects_more_pages_than_the_table_before_writing()
    {
        var rig = Rig.Qemu(Offset);
        var handled = rig.Decide(rig.Stuff(rig.Io(0), 0x4, Offset.Size + 1));
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Empty(handled.Writes);
    }

    [Fact]
    public void qemu_stuff_crossing_window_end_writes_in_range_entries_then_fails()
    {
        var rig = Rig.Qemu(Offset);
        var handled = rig.Do(rig.Stuff(rig.Io(Offset.Size - 3), 0x5000 | RW, 10));
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Equal(3UL, Writes.Count(handled.Writes));
        Assert.Equal(Writes.Run(Offset.Offset + Offset.Size - 3, 0x5000 | RW, 0x5000 | RW, 0x5000 | RW), Writes.Flat(handled.Writes));
    }

    // ---- H_GET_TCE -----------------------------------------------------------------------

    [Fact]
    public void qemu_get_tce_returns_the_stored_value_in_r4()
    {
        var rig = Rig.Qemu();
        rig.Map(rig.Io(5), 0xABC0_0000_0000_5007UL);
        var handled = rig.Decide(rig.Get(rig.Io(5)));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(0xABC0_0000_0000_5007UL, handled.R4);
    }

    [Fact]
    public void qemu_get_tce_of_an_unallocated_page_reads_zero()
    {
        var rig = Rig.Qemu();
        var handled = rig.Decide(rig.Get(rig.Io(700)));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(0UL, handled.R4);
    }

    /// <summary>h_get_tce sets args[0] only on success: R4 still holds the LIOBN the guest put there.</summary>
    [Fact]
    public void qemu_get_tce_failure_leaves_r4_holding_the_liobn()
    {
        var rig = Rig.Qemu();
        var handled = rig.Decide(rig.Get(rig.EndIo));
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Equal(rig.Liobn, handled.R4);
    }

    [Theory]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void qemu_leaves_r4_holding_the_liobn_after_a_put(Op op)
    {
        var rig = Rig.Qemu();
        Assert.Equal(rig.Liobn, rig.Decide(rig.Call(op, rig.Io(1), 0x1000 | RW)).R4);
    }
}
