using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Akka.Configuration;
using Fabric.Hosting;
using Fabric.KillRegister;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>
/// Kills that go astray: a duplicated acknowledgement counts once (the guest is answered only
/// when every group has killed), and a kill lost on its way is sent again, so the call is still
/// answered, without the guest waiting for its timeout.
/// </summary>
public sealed class KillRetrySpec : TestKit
{
    public KillRetrySpec() : base(ConfigurationFactory.ParseString("fabric.kill-retry = 100ms").WithFallback(TestConfigs.InMemory())) { }

    [Fact]
    public async Task A_duplicated_acknowledgement_from_one_group_does_not_stand_in_for_another_group()
    {
        var fabric = new FabricRuntime(Sys);
        await BoundTable.SetUp(fabric, 0x1, [1, 2]);
        var twice = CreateTestProbe();
        twice.SetAutoPilot(new DelegateAutoPilot((sender, msg) =>
        {
            if (msg is TceKill k)
            {
                sender.Tell(new TceKilled(1, k.Token));
                sender.Tell(new TceKilled(1, k.Token));
            }
            return AutoPilot.KeepRunning;
        }));
        var held = CreateTestProbe();
        fabric.Memory("h0").KillRegisters[1] = twice.Ref;
        fabric.Memory("h0").KillRegisters[2] = held.Ref;

        var answer = BoundTable.Call(fabric, new HPutTce(0x1, 0x1000, 0x2003));
        var kill = held.ExpectMsg<TceKill>();
        await Task.Delay(300);
        Assert.False(answer.IsCompleted, "the guest was answered while group 2 still held the old translation");

        held.Reply(new TceKilled(2, kill.Token));
        Assert.Equal(HcallReturn.Success, (await answer).Ret);
    }

    [Fact]
    public async Task Kills_dropped_on_their_way_are_sent_again_and_the_call_is_answered()
    {
        var fabric = new FabricRuntime(Sys);
        await BoundTable.SetUp(fabric, 0x1, [1, 2]);
        // Every kill is lost until the faults are healed.
        var faults = new KillFaults(seed: 1, dropRate: 1, delayRate: 0, duplicateRate: 0, TimeSpan.Zero);
        fabric.Memory("h0").KillFaults = faults;

        var answer = BoundTable.Call(fabric, new HPutTce(0x1, 0x1000, 0x2003));
        await AwaitConditionAsync(() => Task.FromResult(faults.Dropped >= 4), TimeSpan.FromSeconds(5));
        Assert.False(answer.IsCompleted);

        fabric.Memory("h0").KillFaults = null;
        Assert.Equal(HcallReturn.Success, (await answer.WaitAsync(TimeSpan.FromSeconds(5))).Ret);
        Assert.Equal(HcallReturn.Success, (await BoundTable.Call(fabric, new HGetTce(0x1, 0x1000))).Ret);
    }
}
