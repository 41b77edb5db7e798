using Fabric.Messages;
using static Fabric.Tests.Conformance.Tv;

namespace Fabric.Tests.Conformance;

/// <summary>
/// kvmppc_tce_put: the guest view is pages of 512 entries allocated on first non-zero write;
/// "We allow any TCE, not just with read|write permissions" but a zero to a missing page
/// allocates nothing. Reads of a missing page are 0 (kvmppc_h_get_tce).
/// </summary>
public sealed class LazyAllocationConformance
{
    [Theory]
    [InlineData(Knows.Kvm, Op.Put)]
    [InlineData(Knows.Kvm, Op.Stuff)]
    [InlineData(Knows.Kvm, Op.Indirect)]
    [InlineData(Knows.Qemu, Op.Put)]
    [InlineData(Knows.Qemu, Op.Stuff)]
    [InlineData(Knows.Qemu, Op.Indirect)]
    public void zero_tce_to_an_unallocated_page_allocates_nothing(Knows knows, Op op)
    {
        var rig = new Rig(knows);
        var handled = rig.Do(rig.Call(op, rig.Io(700), 0));
        Assert.Equal(HcallReturn.Success, handled.Ret);
        Assert.Equal(0, rig.View.AllocatedPages);
    }

    [Fact]
    public void stuffing_zero_over_the_whole_window_allocates_nothing()
    {
        var rig = Rig.Both();
        Assert.Equal(HcallReturn.Success, rig.Do(rig.Stuff(rig.Io(0), 0, rig.Geometry.Size)).Ret);
        Assert.Equal(0, rig.View.AllocatedPages);
    }

    [Fact]
    public void first_nonzero_tce_allocates_one_page_of_512_entries()
    {
        var rig = Rig.Both();
        rig.Map(rig.Io(0), 0x1000 | RW);
        rig.Map(rig.Io(511), 0x2000 | RW);
        Assert.Equal(1, rig.View.AllocatedPages);
        rig.Map(rig.Io(512), 0x3000 | RW);
        Assert.Equal(2, rig.View.AllocatedPages);
    }

    [Fact]
    public void view_pages_count_from_the_window_offset()
    {
        var rig = Rig.Both(Offset);
        rig.Map(rig.Io(0), 0x1000 | RW);
        rig.Map(rig.Io(511), 0x2000 | RW);
        Assert.Equal(1, rig.View.AllocatedPages);
    }

    [Fact]
    public void clearing_keeps_the_page()
    {
        var rig = Rig.Both();
        rig.Map(rig.Io(3), 0x1000 | RW);
        rig.Map(rig.Io(3), 0);
        Assert.Equal(1, rig.View.AllocatedPages);
        Assert.Equal(0, rig.View.NonZeroEntries);
    }

    [Fact]
    public void a_poison_value_without_permissions_allocates_a_page()
    {
        var rig = Rig.Kvm();
        var handled = rig.Do(rig.Stuff(rig.Io(600), 0x4, 1));
        Assert.Equal((HcallReturn.Success, HcallHandler.Kvm), (handled.Ret, handled.AnsweredBy));
        Assert.Equal(1, rig.View.AllocatedPages);
        Assert.Equal(0x4UL, rig.At(rig.Io(600)));
    }

    [Theory]
    [InlineData(Knows.Kvm)]
    [InlineData(Knows.Qemu)]
    [InlineData(Knows.Both)]
    public void get_tce_of_an_unallocated_page_reads_zero(Knows knows)
    {
        var rig = new Rig(knows);
        rig.Map(rig.Io(0), 0x1000 | RW);
        var handled = rig.Decide(rig.Get(rig.Io(512)));
        Assert.Equal((HcallReturn.Success, 0UL), (handled.Ret, handled.R4));
        Assert.Equal(1, rig.View.AllocatedPages);
    }
}
