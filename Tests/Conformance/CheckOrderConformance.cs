using Fabric.Messages;
using static Fabric.Tests.Conformance.Tv;

namespace Fabric.Tests.Conformance;

/// <summary>
/// The order of the checks: a call that breaks two rules gets the earlier rule's code. Only
/// pairs whose codes (or writes) differ can show the order, so each pairs an H_PARAMETER rule
/// with an H_TOO_HARD one, or a no-write rule with a partial-write one. In the composition the
/// earlier code decides who answers, too.
/// </summary>
public sealed class CheckOrderConformance
{
    /// <summary>kvmppc_find_table comes first: no table, H_TOO_HARD, whatever else is wrong.</summary>
    [Theory]
    [InlineData(Op.Get)]
    [InlineData(Op.Put)]
    [InlineData(Op.Stuff)]
    [InlineData(Op.Indirect)]
    public void kvm_finds_the_table_before_checking_anything_else(Op op)
    {
        var rig = Rig.Qemu(Offset);
        var badIoba = rig.EndIo + 0x10;
        IHypercall call = op switch
        {
            Op.Get => rig.Get(badIoba),
            Op.Put => rig.Put(badIoba, 0x2004 | RW),
            Op.Stuff => rig.Stuff(badIoba, RW, 0),
            _ => rig.Indirect(badIoba, ListGpa + 8, 513),
        };
        Assert.Equal(HcallReturn.TooHard, rig.Kvm(call).Ret);
    }

    [Theory]
    [InlineData(OutsideRam | RW)]
    [InlineData(0x2004UL | RW)]
    public void kvm_put_tce_checks_ioba_before_the_tce(ulong tooHardTce)
    {
        var rig = Rig.Both();
        var call = rig.Put(rig.EndIo, tooHardTce);
        Assert.Equal(HcallReturn.Parameter, rig.Kvm(call).Ret);
        var handled = rig.Decide(call);
        Assert.Equal((HcallReturn.Parameter, HcallHandler.Kvm), (handled.Ret, handled.AnsweredBy));
    }

    [Fact]
    public void kvm_put_tce_checks_ioba_alignment_before_the_tce()
    {
        var rig = Rig.Both();
        var handled = rig.Decide(rig.Put(rig.Io(1) + 8, OutsideRam | RW));
        Assert.Equal((HcallReturn.Parameter, HcallHandler.Kvm), (handled.Ret, handled.AnsweredBy));
    }

    [Fact]
    public void kvm_indirect_checks_npages_before_the_tce_list_location()
    {
        var rig = Rig.Both();
        var call = rig.Indirect(rig.Io(0), OutsideRam, 513);
        Assert.Equal(HcallReturn.Parameter, rig.Kvm(call).Ret);
        Assert.Equal(HcallHandler.Kvm, rig.Decide(call).AnsweredBy);
    }

    [Fact]
    public void kvm_indirect_checks_tce_list_alignment_before_its_location()
    {
        var rig = Rig.Both();
        var call = rig.Indirect(rig.Io(0), OutsideRam + 8, 1);
        Assert.Equal(HcallReturn.Parameter, rig.Kvm(call).Ret);
        Assert.Equal(HcallHandler.Kvm, rig.Decide(call).AnsweredBy);
    }

    [Fact]
    public void kvm_indirect_checks_ioba_before_the_tce_list_location()
    {
        var rig = Rig.Both();
        var call = rig.Indirect(rig.LastIo, OutsideRam, 2);
        Assert.Equal(HcallReturn.Parameter, rig.Kvm(call).Ret);
        Assert.Equal(HcallHandler.Kvm, rig.Decide(call).AnsweredBy);
    }

    [Fact]
    public void kvm_indirect_checks_ioba_before_the_entries()
    {
        var rig = Rig.Both();
        var call = rig.IndirectOf(rig.LastIo, OutsideRam | RW, OutsideRam | RW);
        Assert.Equal(HcallReturn.Parameter, rig.Kvm(call).Ret);
    }

    /// <summary>Pass 1 runs to the end before pass 2 starts: a later H_TOO_HARD entry wins over an earlier pass-2 failure.</summary>
    [Fact]
    public void kvm_indirect_validates_every_entry_before_translating_any()
    {
        var rig = Rig.Both();
        var call = rig.IndirectOf(rig.Io(0), 0x1000 | RW, 0x8000_0000_0000_0000UL, OutsideRam | RW);
        var kvm = rig.Kvm(call);
        Assert.Equal(HcallReturn.TooHard, kvm.Ret);
        Assert.Empty(kvm.Writes);

        var handled = rig.Decide(call);
        Assert.Equal((HcallReturn.Success, HcallHandler.Qemu), (handled.Ret, handled.AnsweredBy));
        Assert.Equal(3UL, Writes.Count(handled.Writes));
    }

    /// <summary>QEMU's npages &gt; nb_table precedes the loop; the window check inside the loop writes part of the run.</summary>
    [Fact]
    public void qemu_stuff_checks_npages_against_the_table_before_the_window()
    {
        var rig = Rig.Qemu(Offset);
        var whole = rig.Decide(rig.Stuff(rig.LastIo, 0x4, Offset.Size + 1));
        Assert.Equal(HcallReturn.Parameter, whole.Ret);
        Assert.Empty(whole.Writes);

        var partial = rig.Decide(rig.Stuff(rig.LastIo, 0x4, Offset.Size));
        Assert.Equal(HcallReturn.Parameter, partial.Ret);
        Assert.Equal(1UL, Writes.Count(partial.Writes));
    }

    /// <summary>QEMU checks npages and the list alignment before the loop: a crossing run with a bad list writes nothing.</summary>
    [Theory]
    [InlineData(513UL, ListGpa)]
    [InlineData(4UL, ListGpa + 8)]
    public void qemu_indirect_checks_its_arguments_before_the_window(ulong npages, ulong list)
    {
        var rig = Rig.Qemu(Offset);
        var handled = rig.Decide(rig.Indirect(rig.LastIo, list, npages));
        Assert.Equal(HcallReturn.Parameter, handled.Ret);
        Assert.Empty(handled.Writes);
    }
}
