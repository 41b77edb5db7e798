using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>An H_PUT_TCE is killed once in every group of every hardware table linked to its LIOBN, and nowhere else.</summary>
public sealed class KillFanOutSpec : TestKit
{
    private const ulong Gib = 1UL << 30;
    private const ulong LiobnA = 0xA, LiobnB = 0xB;

    public KillFanOutSpec() : base(TestConfigs.InMemory()) { }

    private TestProbe AckingRegister(FabricRuntime f, int group) => AckingKillRegister.Install(this, f, group);

    private static async Task Ok(FabricRuntime f, IHostCommand c) => Assert.Equal(SetupResult.Ok, await f.Setup("h0", c));

    [Fact]
    public async Task put_tce_kills_each_group_of_the_linked_table_once_and_no_other_group()
    {
        var f = new FabricRuntime(Sys);
        await Ok(f, new CreateVm("g", 2 * Gib, 1));
        await Ok(f, new CreateTceTable("g", LiobnA, 12, 0, Gib >> 12, 0));
        await Ok(f, new CreateTceTable("g", LiobnB, 12, 0, Gib >> 12, 0));
        foreach (var pe in new[] { 1, 2, 3 }) await Ok(f, new AddHostPe(pe, 0));
        await Ok(f, new CreateContainer("c0", [1, 2], [new HardwareWindow(0, 12, 0, Gib >> 12)]));
        await Ok(f, new CreateContainer("c1", [3], [new HardwareWindow(0, 12, 0, Gib >> 12)]));
        await Ok(f, new BindGroupToLiobn("g", LiobnA, 1));
        await Ok(f, new BindGroupToLiobn("g", LiobnB, 3));
        var probes = new[] { 1, 2, 3 }.ToDictionary(g => g, g => AckingRegister(f, g));

        var put = (HcallResult)await f.Hcall("h0", "g", 0, new HPutTce(LiobnA, 0x5000, 0x9003));
        Assert.Equal(HcallReturn.Success, put.Ret);
        foreach (var g in new[] { 1, 2 })
        {
            var kill = probes[g].ExpectMsg<TceKill>();
            Assert.Equal(("c0/0", 5UL, 1UL), (kill.Table, kill.FirstEntry, kill.Count));
            probes[g].ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        }
        probes[3].ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        await f.Hcall("h0", "g", 0, new HPutTce(LiobnB, 0x5000, 0x9003));
        Assert.Equal("c1/0", probes[3].ExpectMsg<TceKill>().Table);
        probes[1].ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        probes[2].ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task a_64k_guest_page_over_4k_hardware_kills_its_16_subpages()
    {
        var f = new FabricRuntime(Sys);
        await Ok(f, new CreateVm("g", 2 * Gib, 1));
        await Ok(f, new CreateTceTable("g", LiobnA, 16, 0, Gib >> 16, 0));
        await Ok(f, new AddHostPe(1, 0));
        await Ok(f, new CreateContainer("c0", [1], [new HardwareWindow(0, 12, 0, Gib >> 12)]));
        await Ok(f, new BindGroupToLiobn("g", LiobnA, 1));
        var probe = AckingRegister(f, 1);

        await f.Hcall("h0", "g", 0, new HPutTce(LiobnA, 0x30000, 0x70003));
        var kill = probe.ExpectMsg<TceKill>();
        Assert.Equal((3UL << 4, 16UL), (kill.FirstEntry, kill.Count));
    }

    [Fact]
    public async Task the_reply_waits_for_every_kill_register()
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, LiobnA, [1]);
        var silent = CreateTestProbe();
        KillRegisterSwap.Replace(f, 1, silent.Ref);

        var call = f.Hcall("h0", "g", 0, new HPutTce(LiobnA, 0x1000, 0x2003));
        var kill = silent.ExpectMsg<TceKill>();
        var first = await Task.WhenAny(call, Task.Delay(TimeSpan.FromMilliseconds(200)));
        Assert.NotSame(call, first);
        silent.Reply(new TceKilled(1, kill.Token));
        Assert.Equal(HcallReturn.Success, ((HcallResult)await call).Ret);
    }
}
