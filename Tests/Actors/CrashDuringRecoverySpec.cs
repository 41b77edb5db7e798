using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>
/// Crashes that land while a table recovers are absorbed (it is down already), so the recovery
/// permit is always given back, and crashes sent faster than it recovers do not pile up ahead of
/// its calls. With one permit in all, a single permit kept by a crashed recovery would leave
/// every later recovery waiting for ever.
/// </summary>
public sealed class CrashDuringRecoverySpec : TestKit
{
    private const ulong Gib = 1UL << 30;
    private const ulong Liobn = 0xA;

    private static readonly Config OnePermit = FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString("""
        akka.loglevel = OFF
        fabric.durability = strict
        fabric.hcall-timeout = 3s
        akka.persistence.max-concurrent-recoveries = 1
        """));

    public CrashDuringRecoverySpec() : base(OnePermit) { }

    [Fact]
    public async Task crashes_sent_back_to_back_never_keep_a_recovery_permit()
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.Ok(f, new CreateVm("g", 2 * Gib, 1));
        await BoundTable.Ok(f, new CreateTceTable("g", Liobn, 12, 0, Gib >> 12, 0));
        for (var i = 0; i < 64; i++)
            Assert.Equal(HcallReturn.Success, (await BoundTable.Call(f, new HPutTce(Liobn, (ulong)i << 12, 0x7003))).Ret);
        var table = await Sys.ActorSelection($"/user/host-h0/vm-g/tce-{Liobn:x}").ResolveOne(TimeSpan.FromSeconds(3));

        // The first crash restarts the table; the others arrive while it reads its 64 records back.
        Sys.EventStream.Subscribe(TestActor, typeof(InjectedCrashAbsorbed));
        for (var i = 0; i < 20; i++) table.Tell(InjectedCrash.Instance);

        Assert.Equal(0x7003UL, (await BoundTable.Call(f, new HGetTce(Liobn, 63 << 12))).R4);
        Assert.Equal(table.Path.ToStringWithoutAddress(), ExpectMsg<InjectedCrashAbsorbed>().Actor);
        // A table started now needs a permit of its own: none may be left held.
        await BoundTable.Ok(f, new CreateTceTable("g", Liobn + 1, 12, 0, Gib >> 12, 0));
        Assert.Equal(HcallReturn.Success, (await BoundTable.Call(f, new HPutTce(Liobn + 1, 0x1000, 0x8003))).Ret);
        Assert.Empty((await f.Invariants("h0")).Violations);
    }
}
