using Fabric.Messages;
using static Fabric.Tests.Conformance.Tv;

namespace Fabric.Tests.Conformance;

/// <summary>
/// Spec section 0: for a table in the kernel that QEMU also knows, KVM answers first; only its
/// H_TOO_HARD goes to QEMU, whose answer is final. H_TOO_HARD never reaches the guest.
/// </summary>
public sealed class CompositionConformance
{
    [Theory]
    [InlineData(Op.Get)]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void composition_lets_kvm_answer_what_it_can(Op op)
    {
        var rig = Rig.Both();
        var handled = rig.Decide(rig.Call(op, rig.Io(2), op == Op.Stuff ? 0 : 0x2000 | RW));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(HcallHandler.Kvm, handled.AnsweredBy);
    }

    [Theory]
    [InlineData(OutsideRam | RW)]
    [InlineData(0x8000_0000_0000_2000UL | R)]
    public void composition_gpa_outside_ram_falls_to_qemu_which_stores_it(ulong tce)
    {
        var rig = Rig.Both();
        Assert.Equal(HcallReturn.TooHard, rig.Kvm(rig.Put(rig.Io(1), tce)).Ret);

        var handled = rig.Do(rig.Put(rig.Io(1), tce));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(HcallHandler.Qemu, handled.AnsweredBy);
        Assert.Equal(tce, rig.At(rig.Io(1)));
    }

    [Theory]
    [InlineData(12, 0x2004UL | RW)]
    [InlineData(16, 0x11000UL | W)]
    public void composition_gpa_not_aligned_to_the_table_page_falls_to_qemu(int pageShift, ulong tce)
    {
        var rig = Rig.Both(pageShift == 12 ? Small : Big);
        var handled = rig.Do(rig.Put(rig.Io(1), tce));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(HcallHandler.Qemu, handled.AnsweredBy);
        Assert.Equal(tce, rig.At(rig.Io(1)));
    }

    [Fact]
    public void composition_tce_list_outside_ram_falls_to_qemu_which_reads_zeros()
    {
        var rig = Rig.Both();
        rig.Map(rig.Io(0), 0x1000 | RW);
        Assert.Equal(HcallHandler.Kvm, rig.Decide(rig.Get(rig.Io(0))).AnsweredBy);

        var handled = rig.Do(rig.Indirect(rig.Io(0), OutsideRam, 2));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(HcallHandler.Qemu, handled.AnsweredBy);
        Assert.Equal(Writes.Run(0, 0, 0), Writes.Flat(handled.Writes));
        Assert.Equal(0UL, rig.At(rig.Io(0)));
    }

    [Fact]
    public void composition_indirect_entry_kvm_cannot_map_falls_to_qemu_which_stores_the_list_verbatim()
    {
        var rig = Rig.Both();
        var tces = new[] { 0x1000 | RW, OutsideRam | RW, 0x3004 | R };
        var handled = rig.Do(rig.IndirectOf(rig.Io(8), tces));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(HcallHandler.Qemu, handled.AnsweredBy);
        Assert.Equal(Writes.Run(8, tces), Writes.Flat(handled.Writes));
    }

    /// <summary>
    /// KVM's pass 2 had mapped and stored the first entry when a later subpage failed; QEMU then
    /// handles the whole call. Both runs are in the event, KVM's first, and the guest sees QEMU's answer.
    /// </summary>
    [Fact]
    public void composition_keeps_kvm_partial_writes_before_qemu_writes()
    {
        var rig = Rig.Both(Big, NewRam(RamBytes + 0x1000));
        rig.Link(12, rig.Geometry.Size << 4);
        var tces = new[] { 0x10000 | RW, RamBytes | RW, 0x20000 | RW };
        var handled = rig.Do(rig.IndirectOf(rig.Io(0), tces));
        Assert.Equal((HcallReturn.Success, HcallHandler.Qemu), (handled.Ret, handled.AnsweredBy));
        Assert.Equal([.. Writes.Run(0, tces[0]), .. Writes.Run(0, tces)], Writes.Flat(handled.Writes));
        Assert.Equal(tces, new[] { rig.At(rig.Io(0)), rig.At(rig.Io(1)), rig.At(rig.Io(2)) });
    }

    /// <summary>KVM with npages 0 succeeds; with the list outside RAM it is QEMU's npages-0 H_PARAMETER.</summary>
    [Fact]
    public void composition_indirect_of_zero_pages_depends_on_who_answers()
    {
        var rig = Rig.Both();
        var inRam = rig.Decide(rig.Indirect(rig.Io(0), ListGpa, 0));
        Assert.Equal((HcallReturn.Success, HcallHandler.Kvm), (inRam.Ret, inRam.AnsweredBy));

        var outside = rig.Decide(rig.Indirect(rig.Io(0), OutsideRam, 0));
        Assert.Equal((HcallReturn.Parameter, HcallHandler.Qemu), (outside.Ret, outside.AnsweredBy));
    }

    public enum KvmRefusal
    {
        PutUnalignedIoba,
        StuffWithPermissions,
        IndirectCrossingWindowEnd,
        StuffCrossingWindowEnd,
    }

    /// <summary>KVM's H_PARAMETER is final even where QEMU would have accepted or written part of the run.</summary>
    [Theory]
    [InlineData(KvmRefusal.PutUnalignedIoba)]
    [InlineData(KvmRefusal.StuffWithPermissions)]
    [InlineData(KvmRefusal.IndirectCrossingWindowEnd)]
    [InlineData(KvmRefusal.StuffCrossingWindowEnd)]
    public void composition_kvm_h_parameter_is_final(KvmRefusal refusal)
    {
        var rig = Rig.Both();
        IHypercall call = refusal switch
        {
            KvmRefusal.PutUnalignedIoba => rig.Put(rig.Io(1) + 0x10, 0x2000 | RW),
            KvmRefusal.StuffWithPermissions => rig.Stuff(rig.Io(1), 0x2000 | RW, 4),
            KvmRefusal.IndirectCrossingWindowEnd => rig.IndirectOf(rig.LastIo, 0x1000 | RW, 0x2000 | RW),
            KvmRefusal.StuffCrossingWindowEnd => rig.Stuff(rig.LastIo, 0, 2),
            _ => rig.Stuff(rig.LastIo, 0x4, 2),
        };
        var qemuAlone = Rig.Qemu().Decide(call);
        Assert.True(qemuAlone.Ret == HcallReturn.Success || qemuAlone.Writes.Length > 0, "QEMU alone would have written");

        var handled = rig.Do(call);
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Equal(HcallHandler.Kvm, handled.AnsweredBy);
        Assert.Empty(handled.Writes);
        Assert.Equal(0, rig.View.AllocatedPages);
    }

    /// <summary>
    /// KVM knows a 64-bit LIOBN, QEMU never does: what KVM answers works, what it hands up
    /// gets QEMU's "no such table".
    /// </summary>
    [Fact]
    public void composition_liobn_with_upper_bits_is_served_by_kvm_and_refused_by_qemu()
    {
        var rig = Rig.Both(Small with { Liobn = WideLiobn });
        var mapped = rig.Do(rig.Put(rig.Io(1), 0x2000 | RW));
        Assert.Equal((HcallReturn.Success, HcallHandler.Kvm), (mapped.Ret, mapped.AnsweredBy));

        var handedUp = rig.Do(rig.Put(rig.Io(2), OutsideRam | RW));
        Assert.Equal((HcallReturn.Parameter, HcallHandler.Qemu), (handedUp.Ret, handedUp.AnsweredBy));
        Assert.Equal(WideLiobn, handedUp.R4);
        Assert.Empty(handedUp.Writes);
        Assert.Equal(0UL, rig.At(rig.Io(2)));
    }

    [Fact]
    public void composition_never_shows_too_hard_to_the_guest()
    {
        var kvmOnly = Rig.Kvm();
        var handled = kvmOnly.Decide(kvmOnly.Put(kvmOnly.Io(1), OutsideRam | RW));
        Assert.Equal((HcallReturn.Parameter, HcallHandler.Qemu), (handled.Ret, handled.AnsweredBy));
    }

    [Fact]
    public void composition_sends_a_userspace_only_table_straight_to_qemu()
    {
        var rig = Rig.Qemu();
        var handled = rig.Do(rig.Put(rig.Io(1) + 0x10, 0x2000 | RW));
        Assert.Equal((HcallReturn.Success, HcallHandler.Qemu), (handled.Ret, handled.AnsweredBy));
        Assert.Equal(0x2000 | RW, rig.At(rig.Io(1)));
    }

    /// <summary>QEMU creating the KVM table of its own window: from then on the kernel answers first.</summary>
    [Fact]
    public void composition_table_created_in_kernel_later_lets_kvm_answer_first()
    {
        var rig = Rig.Qemu();
        var call = rig.Put(rig.Io(1) + 0x10, 0x2000 | RW);
        Assert.Equal(HcallHandler.Qemu, rig.Decide(call).AnsweredBy);

        var g = rig.Geometry;
        rig.Table.Apply(new TceTableCreated("g", g.Liobn, g.PageShift, g.Offset, g.Size, InKernel: true, InUserspace: true));
        var handled = rig.Decide(call);
        Assert.Equal((HcallReturn.Parameter, HcallHandler.Kvm), (handled.Ret, handled.AnsweredBy));
    }

    /// <summary>Both handlers share one view: what KVM stored, QEMU reads, and the other way round.</summary>
    [Fact]
    public void composition_handlers_share_one_guest_view()
    {
        var rig = Rig.Both();
        rig.Map(rig.Io(1), OutsideRam | RW);                 // stored by QEMU
        Assert.Equal(OutsideRam | RW, rig.Kvm(rig.Get(rig.Io(1))).R4);
        rig.Map(rig.Io(2), 0x2000 | RW);                     // stored by KVM
        Assert.Equal(0x2000 | RW, rig.Qemu(rig.Get(rig.Io(2))).R4);
    }
}
