using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Fabric.Messages;
using Fabric.Vcpu;

namespace Fabric.Tests.Actors;

public sealed class VcpuSpec : TestKit
{
    public VcpuSpec() : base(ConfigurationFactory.ParseString("""
        akka.loglevel = OFF
        fabric.hcall-timeout = 300ms
        """)) { }

    [Fact]
    public void a_call_nobody_answers_returns_h_hardware_and_the_vcpu_goes_on()
    {
        var router = CreateTestProbe();
        var vcpu = Sys.ActorOf(VcpuActor.Props(0, router.Ref));

        vcpu.Tell(new RunHcall("g", 0, new HPutTce(0xA, 0x1000, 0x2003)));
        var lost = router.ExpectMsg<Hcall>();
        var answer = ExpectMsg<HcallResult>(TimeSpan.FromSeconds(3));
        Assert.Equal((lost.CallId, HcallReturn.Hardware, 0xAUL), (answer.CallId, answer.Ret, answer.R4));

        vcpu.Tell(new RunHcall("g", 0, new HGetTce(0xA, 0x1000)));
        var next = router.ExpectMsg<Hcall>();
        router.Reply(new HcallResult(next.CallId, HcallReturn.Success, 0x2003));
        Assert.Equal(HcallReturn.Success, ExpectMsg<HcallResult>().Ret);
        // A late answer to the lost call changes nothing.
        vcpu.Tell(new HcallResult(lost.CallId, HcallReturn.Success, 0));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
