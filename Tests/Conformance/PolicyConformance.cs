using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vm;

namespace Fabric.Tests.Conformance;

/// <summary>fabric.kvm.acceleration = off: the same table, every call answered by QEMU.</summary>
public sealed class PolicyConformance
{
    private static TceTable.TceTable Table(bool accelerated) =>
        new(new TceTableGeometry(0xA, 12, 0, 0x100), inKernel: true, inUserspace: true, new GuestRam(1UL << 30, 1UL << 40), new TcePolicy(accelerated));

    [Fact]
    public void without_acceleration_a_stuff_with_permission_bits_is_accepted_by_qemu()
    {
        var call = new HStuffTce(0xA, 0, 0x1003, 4);
        var kvm = Table(accelerated: true).Decide(1, call);
        var qemu = Table(accelerated: false).Decide(1, call);
        Assert.Equal((HcallReturn.Parameter, HcallHandler.Kvm), (kvm.Ret, kvm.AnsweredBy));
        Assert.Equal((HcallReturn.Success, HcallHandler.Qemu), (qemu.Ret, qemu.AnsweredBy));
    }

    [Fact]
    public void without_acceleration_an_unaligned_ioba_is_masked_rather_than_refused()
    {
        var call = new HPutTce(0xA, 0x1008, 0x2003);
        Assert.Equal(HcallReturn.Parameter, Table(accelerated: true).Decide(1, call).Ret);
        var qemu = Table(accelerated: false).Decide(1, call);
        Assert.Equal(HcallReturn.Success, qemu.Ret);
        Assert.Equal(1UL, Assert.Single(qemu.Writes).FirstEntry);
    }
}
