using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>A journal that refuses a write: the guest gets H_HARDWARE and the state is as before, never half applied.</summary>
public sealed class JournalFailureSpec : TestKit
{
    private const ulong Gib = 1UL << 30;
    private const ulong Liobn = 0xA;

    private static readonly Config FailingJournal = ControlledJournal.Config("""
        akka.loglevel = OFF
        fabric.durability = strict
        fabric.hcall-timeout = 2s
        """);

    public JournalFailureSpec() : base(FailingJournal) { }

    private static Task Ok(FabricRuntime f, IHostCommand c) => BoundTable.Ok(f, c);
    private static Task<HcallResult> Call(FabricRuntime f, IHypercall c) => BoundTable.Call(f, c);

    [Fact]
    public async Task a_failed_journal_write_answers_h_hardware_and_leaves_the_state_as_it_was()
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, Liobn, [1]);
        Assert.Equal(HcallReturn.Success, (await Call(f, new HPutTce(Liobn, 0x1000, 0x7003))).Ret);
        var hostBase = f.Memory("h0").GuestRams["g"].HostBase;
        Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + 0x7000), await f.Dma("h0", 1, 0x1000, DmaDirection.Read));

        var journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null));
        await journal.OnWrite.Fail();
        // A remap of the mapped page and a new map: neither may take effect.
        Assert.Equal(HcallReturn.Hardware, (await Call(f, new HPutTce(Liobn, 0x1000, 0x9003))).Ret);
        await journal.OnWrite.Pass();
        Assert.Equal(HcallReturn.Success, (await Call(f, new HGetTce(Liobn, 0x1000))).Ret);

        Assert.Equal(0x7003UL, (await Call(f, new HGetTce(Liobn, 0x1000))).R4);
        Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + 0x7000), await f.Dma("h0", 1, 0x1000, DmaDirection.Read));
        Assert.Equal(HcallReturn.Success, (await Call(f, new HPutTce(Liobn, 0x2000, 0x8003))).Ret);
        Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + 0x8000), await f.Dma("h0", 1, 0x2000, DmaDirection.Read));
        Assert.Empty((await f.Invariants("h0")).Violations);
    }

    [Fact]
    public async Task a_dma_whose_record_cannot_be_journaled_still_completes_and_the_pe_comes_back()
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, Liobn, [1]);
        Assert.Equal(HcallReturn.Success, (await Call(f, new HPutTce(Liobn, 0x1000, 0x7003))).Ret);
        var hostBase = f.Memory("h0").GuestRams["g"].HostBase;

        var journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null));
        await journal.OnWrite.Fail();
        Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + 0x7000), await f.Dma("h0", 1, 0x1000, DmaDirection.Read));
        await journal.OnWrite.Pass();

        Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + 0x7008), await f.Dma("h0", 1, 0x1008, DmaDirection.Write));
        Assert.Empty((await f.Invariants("h0")).Violations);
    }

    [Fact]
    public async Task a_table_whose_recovery_fails_stops_and_its_calls_get_h_hardware_not_a_restart_storm()
    {
        var f = new FabricRuntime(Sys);
        await Ok(f, new CreateVm("g", 2 * Gib, 1));
        await Ok(f, new CreateTceTable("g", Liobn, 12, 0, Gib >> 12, 0));
        Assert.Equal(HcallReturn.Success, (await Call(f, new HPutTce(Liobn, 0x1000, 0x7003))).Ret);
        var table = await Sys.ActorSelection($"/user/host-h0/vm-g/tce-{Liobn:x}").ResolveOne(TimeSpan.FromSeconds(3));
        Watch(table);

        var journal = TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null));
        await journal.OnRecovery.Fail();
        table.Tell(Kill.Instance);
        ExpectTerminated(table, TimeSpan.FromSeconds(10));

        Assert.Equal(HcallReturn.Hardware, (await Call(f, new HGetTce(Liobn, 0x1000))).Ret);
        Assert.Equal(HcallReturn.Hardware, (await Call(f, new HPutTce(Liobn, 0x2000, 0x8003))).Ret);
    }
}
