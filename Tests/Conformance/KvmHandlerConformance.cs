using Fabric.Messages;
using Fabric.TceTable;
using static Fabric.Tests.Conformance.Tv;

namespace Fabric.Tests.Conformance;

/// <summary>
/// The in-kernel handlers alone (spec section 1, "KVM"; Linux arch/powerpc/kvm/book3s_64_vio.c),
/// every hypercall against every return code it can give. H_TOO_HARD is visible here because
/// nothing composes it away.
/// </summary>
public sealed class KvmHandlerConformance
{
    // ---- find the table ------------------------------------------------------------------

    [Theory]
    [InlineData(Op.Get)]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void kvm_answers_too_hard_for_a_liobn_it_has_no_table_for(Op op)
    {
        var rig = Rig.Qemu();
        var outcome = rig.Kvm(rig.Call(op, rig.Io(1), 0x2000 | RW));
        Assert.Equal(HcallReturn.TooHard, outcome.Ret);
        Assert.Equal(rig.Liobn, outcome.R4);
        Assert.Empty(outcome.Writes);
    }

    // ---- the ioba check (kvmppc_ioba_validate), shared by all four -----------------------

    [Theory]
    [InlineData(Op.Get, 0x1001UL)]
    [InlineData(Op.Put, 0x1800UL)]
    [InlineData(Op.Stuff, 0x1008UL)]
    [InlineData(Op.Indirect, 0x1FFFUL)]
    public void kvm_rejects_ioba_not_aligned_to_the_table_page(Op op, ulong ioba)
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Call(op, ioba));
        Assert.Equal(HcallReturn.Parameter, outcome.Ret);
        Assert.Empty(outcome.Writes);
    }

    [Fact]
    public void kvm_rejects_ioba_aligned_to_4k_but_not_to_a_64k_table_page()
    {
        var rig = Rig.Kvm(Big);
        Assert.Equal(HcallReturn.Parameter, rig.Kvm(rig.Put(0x1000, 0x10000 | RW)).Ret);
        Assert.Equal(HcallReturn.Success, rig.Kvm(rig.Put(0x10000, 0x10000 | RW)).Ret);
    }

    [Theory]
    [InlineData(Op.Get)]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void kvm_rejects_ioba_below_the_window(Op op)
    {
        var rig = Rig.Kvm(Offset);
        var outcome = rig.Kvm(rig.Call(op, rig.Geometry.BusOffset - 0x1000));
        Assert.Equal(HcallReturn.Parameter, outcome.Ret);
        Assert.Empty(outcome.Writes);
    }

    [Theory]
    [InlineData(Op.Get)]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void kvm_rejects_ioba_past_window(Op op)
    {
        var rig = Rig.Kvm(Offset);
        var outcome = rig.Kvm(rig.Call(op, rig.EndIo));
        Assert.Equal(HcallReturn.Parameter, outcome.Ret);
        Assert.Empty(outcome.Writes);
    }

    [Theory]
    [InlineData(Op.Get)]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void kvm_accepts_the_first_and_last_entry_of_the_window(Op op)
    {
        var rig = Rig.Kvm(Offset);
        Assert.Equal(HcallReturn.Success, rig.Kvm(rig.Call(op, rig.Io(0))).Ret);
        Assert.Equal(HcallReturn.Success, rig.Kvm(rig.Call(op, rig.LastIo)).Ret);
    }

    /// <summary>
    /// Fabric checks entry - offset + max(npages, 1) &gt; size: stricter than current Linux
    /// (iommu_tce_check_ioba looks at the first entry only) and than the older
    /// kvmppc_ioba_validate (which let npages = 0 start one past the end).
    /// Vectors are (first entry relative to the window, npages, accepted).
    /// </summary>
    [Theory]
    [InlineData(0UL, 0x200UL, true)]     // the whole window
    [InlineData(0x1FFUL, 1UL, true)]     // the last entry
    [InlineData(0x1FFUL, 0UL, true)]     // no pages, at the last entry
    [InlineData(0x1FEUL, 2UL, true)]     // a run ending on the last entry
    [InlineData(0x1FFUL, 2UL, false)]    // current Linux accepts this (first entry only)
    [InlineData(0UL, 0x201UL, false)]    // one page more than the window
    [InlineData(0x200UL, 0UL, false)]    // older Linux accepted this (npages 0 one past the end)
    [InlineData(0x100UL, ulong.MaxValue, false)] // entry + npages wraps
    public void kvm_ioba_check_covers_the_whole_run(ulong first, ulong npages, bool accepted)
    {
        var g = Offset;
        var ioba = (g.Offset + first) << g.PageShift;
        var expected = accepted ? HcallReturn.Success : HcallReturn.Parameter;
        Assert.Equal(expected, KvmTceHandler.IobaValidate(g, ioba, npages));
    }

    [Theory]
    [InlineData(0x1FFUL, 2UL)]
    [InlineData(0UL, 0x201UL)]
    public void kvm_stuff_rejects_a_run_past_window_without_writing(ulong first, ulong npages)
    {
        var rig = Rig.Kvm(Offset);
        var outcome = rig.Kvm(rig.Stuff(rig.Io(first), 0, npages));
        Assert.Equal(HcallReturn.Parameter, outcome.Ret);
        Assert.Empty(outcome.Writes);
    }

    [Fact]
    public void kvm_indirect_rejects_a_run_past_window_without_writing()
    {
        var rig = Rig.Kvm(Offset);
        var outcome = rig.Kvm(rig.IndirectOf(rig.LastIo, 0x2000 | RW, 0x3000 | RW));
        Assert.Equal(HcallReturn.Parameter, outcome.Ret);
        Assert.Empty(outcome.Writes);
    }

    // ---- H_PUT_TCE -----------------------------------------------------------------------

    [Theory]
    [InlineData(0x2000UL | RW)]
    [InlineData(0x2000UL | R)]
    [InlineData(0x2000UL | W)]
    [InlineData(0UL | RW)]                     // guest page 0 is RAM like any other
    [InlineData((RamBytes - 0x1000) | RW)]     // the last page of RAM
    public void kvm_put_tce_maps_a_page_of_guest_ram(ulong tce)
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Put(rig.Io(3), tce));
        Assert.Equal(HcallReturn.Success, outcome.Ret);
        Assert.Equal(rig.Liobn, outcome.R4);
        Assert.Equal(Writes.Run(3, tce), Writes.Flat(outcome.Writes));
    }

    /// <summary>kvmppc_tce_validate: "Allow userspace to poison TCE table" — no R/W bits, no checks.</summary>
    [Theory]
    [InlineData(0UL)]
    [InlineData(0x2000UL)]
    [InlineData(0x7FF4UL)]
    [InlineData(0xDEAD_0000_0000_0000UL)]
    public void kvm_put_tce_allows_clearing_with_any_value_that_has_no_permission_bits(ulong tce)
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Put(rig.Io(3), tce));
        Assert.Equal(HcallReturn.Success, outcome.Ret);
        Assert.Equal(Writes.Run(3, tce), Writes.Flat(outcome.Writes));
    }

    /// <summary>iommu_tce_check_gpa(stt->page_shift, tce &amp; ~(R|W)): junk low bits or a 64K table.</summary>
    [Theory]
    [InlineData(12, 0x2004UL | RW)]
    [InlineData(12, 0x2800UL | R)]
    [InlineData(16, 0x1000UL | RW)]
    [InlineData(16, 0x18000UL | W)]
    public void kvm_put_tce_hands_gpa_not_aligned_to_the_table_page_to_userspace(int pageShift, ulong tce)
    {
        var rig = Rig.Kvm(pageShift == 12 ? Small : Big);
        var outcome = rig.Kvm(rig.Put(rig.Io(1), tce));
        Assert.Equal(HcallReturn.TooHard, outcome.Ret);
        Assert.Empty(outcome.Writes);
    }

    /// <summary>kvmppc_tce_to_ua finds no memslot: H_TOO_HARD (not H_PARAMETER) from validate.</summary>
    [Theory]
    [InlineData(OutsideRam | RW)]
    [InlineData(0x1_0000_0000UL | R)]
    [InlineData(0x8000_0000_0000_2000UL | RW)] // junk high bits on a good page
    public void kvm_put_tce_hands_gpa_outside_ram_to_userspace(ulong tce)
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Put(rig.Io(1), tce));
        Assert.Equal(HcallReturn.TooHard, outcome.Ret);
        Assert.Empty(outcome.Writes);
    }

    /// <summary>
    /// kvmppc_tce_validate: for each linked hardware table, mm_iommu_lookup(ua, 1 &lt;&lt;
    /// it_page_shift) must find preregistered memory. RAM that ends 4K into a 64K page: the page
    /// is in a memslot, so an unlinked table takes it, but a linked 64K hardware page there is
    /// not all registered.
    /// </summary>
    [Fact]
    public void kvm_put_tce_hands_memory_not_preregistered_for_a_linked_table_to_userspace()
    {
        var unlinked = Rig.Kvm(Big, RaggedRam());
        Assert.Equal(HcallReturn.Success, unlinked.Kvm(unlinked.Put(0, RamBytes | RW)).Ret);

        var linked = Rig.Kvm(Big, RaggedRam());
        linked.Link(16, linked.Geometry.Size);
        Assert.Equal(HcallReturn.TooHard, linked.Kvm(linked.Put(0, RamBytes | RW)).Ret);
    }

    /// <summary>
    /// kvmppc_tce_iommu_map maps 16 subpages of 4K for a 64K guest page; do_map's
    /// mm_iommu_lookup fails on the second one (H_TOO_HARD), although validate, which looks at
    /// the first subpage only, passed.
    /// </summary>
    [Fact]
    public void kvm_put_tce_hands_a_page_whose_later_subpages_are_not_preregistered_to_userspace()
    {
        var rig = Rig.Kvm(Big, RaggedRam());
        rig.Link(12, rig.Geometry.Size << 4);
        Assert.Equal(HcallReturn.Success, KvmTceHandler.TceValidate(rig.Table, RamBytes | RW));
        var outcome = rig.Kvm(rig.Put(0, RamBytes | RW));
        Assert.Equal(HcallReturn.TooHard, outcome.Ret);
        Assert.Empty(outcome.Writes);

        Assert.Equal(HcallReturn.Success, rig.Kvm(rig.Put(0, (RamBytes - 0x10000) | RW)).Ret);
        Assert.Equal(HcallReturn.Success, rig.Kvm(rig.Put(0, RamBytes)).Ret);   // clearing unmaps: no lookup
    }

    /// <summary>RAM that ends 4K into a 64K page.</summary>
    private static Fabric.Vm.GuestRam RaggedRam() => NewRam(RamBytes + 0x1000);

    // ---- H_PUT_TCE_INDIRECT --------------------------------------------------------------

    [Fact]
    public void kvm_indirect_maps_every_entry_of_the_list()
    {
        var rig = Rig.Kvm();
        var tces = new[] { 0x5000 | RW, 0UL, 0x7000 | R, 0x8000 | W };
        var outcome = rig.Kvm(rig.IndirectOf(rig.Io(10), tces));
        Assert.Equal(HcallReturn.Success, outcome.Ret);
        Assert.Equal(Writes.Run(10, tces), Writes.Flat(outcome.Writes));
    }

    [Fact]
    public void kvm_indirect_takes_a_full_list_of_512()
    {
        var rig = Rig.Kvm();
        var tces = Enumerable.Range(0, 512).Select(i => ((ulong)i << 12) | RW).ToArray();
        var outcome = rig.Kvm(rig.IndirectOf(rig.Io(0), tces));
        Assert.Equal(HcallReturn.Success, outcome.Ret);
        Assert.Equal(512UL, Writes.Count(outcome.Writes));
    }

    [Fact]
    public void kvm_indirect_rejects_more_than_512_entries()
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Indirect(rig.Io(0), ListGpa, 513));
        Assert.Equal(HcallReturn.Parameter, outcome.Ret);
        Assert.Empty(outcome.Writes);
    }

    [Theory]
    [InlineData(ListGpa + 8)]
    [InlineData(ListGpa + 0x800)]
    [InlineData(ListGpa + 0xFFF)]
    public void kvm_indirect_rejects_tce_list_not_4k_aligned(ulong list)
    {
        var rig = Rig.Kvm();
        Assert.Equal(HcallReturn.Parameter, rig.Kvm(rig.Indirect(rig.Io(0), list, 1)).Ret);
    }

    [Theory]
    [InlineData(OutsideRam)]
    [InlineData(0x4000_0000UL)]
    public void kvm_indirect_hands_tce_list_outside_ram_to_userspace(ulong list)
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Indirect(rig.Io(0), list, 4));
        Assert.Equal(HcallReturn.TooHard, outcome.Ret);
        Assert.Empty(outcome.Writes);
    }

    /// <summary>Pass 1 validates every entry before anything is written.</summary>
    [Theory]
    [InlineData(OutsideRam | RW)]
    [InlineData(0x3004UL | R)]
    public void kvm_indirect_hands_an_entry_it_cannot_map_to_userspace_before_writing_any(ulong bad)
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.IndirectOf(rig.Io(0), 0x1000 | RW, 0x2000 | RW, bad, 0x4000 | RW));
        Assert.Equal(HcallReturn.TooHard, outcome.Ret);
        Assert.Empty(outcome.Writes);
    }

    /// <summary>
    /// A clear TCE with junk high bits passes pass 1 (no R/W: clearing is allowed) but pass 2
    /// runs kvmppc_tce_to_ua on every entry: no memslot, H_PARAMETER. The entries before it
    /// were already mapped and stored; the ones after it are not.
    /// </summary>
    [Theory]
    [InlineData(0x8000_0000_0000_0000UL)]
    [InlineData(OutsideRam)]
    public void kvm_indirect_pass_two_rejects_a_clear_tce_that_does_not_translate(ulong clearButJunk)
    {
        var rig = Rig.Kvm();
        var call = rig.IndirectOf(rig.Io(4), 0x1000 | RW, 0x2000 | R, clearButJunk, 0x4000 | RW);
        var outcome = rig.Kvm(call);
        Assert.Equal(HcallReturn.Parameter, outcome.Ret);
        Assert.Equal(Writes.Run(4, 0x1000 | RW, 0x2000 | R), Writes.Flat(outcome.Writes));

        rig.Apply(call, outcome, HcallHandler.Kvm);
        Assert.Equal(0x2000 | R, rig.At(rig.Io(5)));
        Assert.Equal(0UL, rig.At(rig.Io(6)));
    }

    /// <summary>
    /// With a 64K hardware table the whole page is checked in pass 1 (validate): nothing written.
    /// With 4K hardware pages only the first subpage is, and pass 2's map fails on a later one:
    /// H_TOO_HARD with the entries before it already mapped and stored.
    /// </summary>
    [Theory]
    [InlineData(16, 0UL)]
    [InlineData(12, 1UL)]
    public void kvm_indirect_hands_a_page_not_wholly_preregistered_to_userspace(int hwShift, ulong writtenBefore)
    {
        var rig = Rig.Kvm(Big, RaggedRam());
        rig.Link(hwShift, rig.Geometry.Size << (16 - hwShift));
        var call = rig.IndirectOf(rig.Io(0), 0x10000 | RW, RamBytes | RW, 0x20000 | RW);
        var outcome = rig.Kvm(call);
        Assert.Equal(HcallReturn.TooHard, outcome.Ret);
        Assert.Equal(Writes.Run(0, 0x10000 | RW).Take((int)writtenBefore), Writes.Flat(outcome.Writes));
    }

    [Fact]
    public void kvm_indirect_pass_two_failing_on_the_first_entry_writes_nothing()
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.IndirectOf(rig.Io(4), 0x8000_0000_0000_0000UL, 0x1000 | RW));
        Assert.Equal(HcallReturn.Parameter, outcome.Ret);
        Assert.Empty(Writes.Flat(outcome.Writes));
    }

    /// <summary>kvmppc_h_put_tce_indirect starts with ret = H_SUCCESS and both loops are empty.</summary>
    [Fact]
    public void kvm_indirect_with_zero_pages_succeeds_without_writing()
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Indirect(rig.Io(0), ListGpa, 0));
        Assert.Equal(HcallReturn.Success, outcome.Ret);
        Assert.Equal(0UL, Writes.Count(outcome.Writes));
    }

    // ---- H_STUFF_TCE ---------------------------------------------------------------------

    [Fact]
    public void kvm_stuff_clears_a_run()
    {
        var rig = Rig.Kvm();
        for (ulong i = 0; i < 4; i++) rig.Map(rig.Io(i), ((i + 1) << 12) | RW);
        var outcome = rig.Kvm(rig.Stuff(rig.Io(1), 0, 2));
        Assert.Equal(HcallReturn.Success, outcome.Ret);
        Assert.Equal(Writes.Run(1, 0, 0), Writes.Flat(outcome.Writes));
    }

    [Theory]
    [InlineData(R)]
    [InlineData(W)]
    [InlineData(RW)]
    [InlineData(0x2000UL | RW)]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL)]
    public void kvm_stuff_refuses_permission_bits(ulong value)
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Stuff(rig.Io(0), value, 8));
        Assert.Equal(HcallReturn.Parameter, outcome.Ret);
        Assert.Empty(outcome.Writes);
    }

    /// <summary>"Check permission bits only to allow userspace poison TCE for debug".</summary>
    [Theory]
    [InlineData(0x4UL)]
    [InlineData(0x2000UL)]
    [InlineData(0xFFFF_FFFF_FFFF_FFFCUL)]
    public void kvm_stuff_writes_a_poison_value_without_permission_bits(ulong value)
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Stuff(rig.Io(2), value, 3));
        Assert.Equal(HcallReturn.Success, outcome.Ret);
        Assert.Equal(Writes.Run(2, value, value, value), Writes.Flat(outcome.Writes));
    }

    [Fact]
    public void kvm_stuff_has_no_512_limit()
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Stuff(rig.Io(0), 0, rig.Geometry.Size));
        Assert.Equal(HcallReturn.Success, outcome.Ret);
        Assert.Equal(rig.Geometry.Size, Writes.Count(outcome.Writes));
    }

    /// <summary>kvmppc_h_stuff_tce with npages 0: validate passes, the loops are empty, H_SUCCESS.</summary>
    [Fact]
    public void kvm_stuff_with_zero_pages_succeeds_without_writing()
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Stuff(rig.Io(0), 0, 0));
        Assert.Equal(HcallReturn.Success, outcome.Ret);
        Assert.Equal(0UL, Writes.Count(outcome.Writes));
    }

    // ---- H_GET_TCE -----------------------------------------------------------------------

    [Fact]
    public void kvm_get_tce_returns_the_stored_value_in_r4()
    {
        var rig = Rig.Kvm();
        rig.Map(rig.Io(7), 0x9000 | R);
        var outcome = rig.Kvm(rig.Get(rig.Io(7)));
        Assert.Equal(HcallReturn.Success, outcome.Ret);
        Assert.Equal(0x9000 | R, outcome.R4);
        Assert.Empty(outcome.Writes);
    }

    [Fact]
    public void kvm_get_tce_of_an_unallocated_page_reads_zero()
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Get(rig.Io(600)));
        Assert.Equal(HcallReturn.Success, outcome.Ret);
        Assert.Equal(0UL, outcome.R4);
        Assert.Equal(0, rig.View.AllocatedPages);
    }

    [Fact]
    public void kvm_get_tce_failure_leaves_r4_holding_the_liobn()
    {
        var rig = Rig.Kvm();
        var outcome = rig.Kvm(rig.Get(rig.EndIo));
        Assert.Equal(HcallReturn.Parameter, outcome.Ret);
        Assert.Equal(rig.Liobn, outcome.R4);
    }

    /// <summary>kvmppc_find_table compares all 64 bits: a wide LIOBN is an ordinary KVM table.</summary>
    [Theory]
    [InlineData(Op.Get)]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void kvm_serves_a_liobn_with_upper_32_bits_set(Op op)
    {
        var rig = Rig.Kvm(Small with { Liobn = WideLiobn });
        Assert.Equal(HcallReturn.Success, rig.Kvm(rig.Call(op, rig.Io(1))).Ret);
    }
}
