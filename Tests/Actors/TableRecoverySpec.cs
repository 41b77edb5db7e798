using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests.Actors;

/// <summary>A TCE table actor that restarts, and a whole fabric that restarts, come back from the journal.</summary>
public sealed class TableRecoverySpec : TestKit
{
    private const ulong Liobn = 0xA;

    public TableRecoverySpec() : base(TestConfigs.InMemory()) { }

    private static async Task Ok(FabricRuntime f, IHostCommand c) => Assert.Equal(SetupResult.Ok, await f.Setup("h0", c));

    private static async Task SetUpAndMap(FabricRuntime f)
    {
        await BoundTable.SetUp(f, Liobn, [1]);
        await Ok(f, new PokeGuestRam("g", 0x10000, [0x21003, 0x22001, 0x23002]));
        Assert.Equal(HcallReturn.Success, (await Call(f, new HPutTce(Liobn, 0x1000, 0x7003))).Ret);
        Assert.Equal(HcallReturn.Success, (await Call(f, new HPutTceIndirect(Liobn, 0x8000, 0x10000, 3))).Ret);
        Assert.Equal(HcallReturn.Success, (await Call(f, new HStuffTce(Liobn, 0x9000, 0, 1))).Ret);
    }

    private static async Task<HcallResult> Call(FabricRuntime f, IHypercall c) => (HcallResult)await f.Hcall("h0", "g", 0, c);

    private static async Task AssertMapped(FabricRuntime f)
    {
        Assert.Equal(0x7003UL, (await Call(f, new HGetTce(Liobn, 0x1000))).R4);
        Assert.Equal(0x21003UL, (await Call(f, new HGetTce(Liobn, 0x8000))).R4);
        Assert.Equal(0UL, (await Call(f, new HGetTce(Liobn, 0x9000))).R4);
        Assert.Equal(0x23002UL, (await Call(f, new HGetTce(Liobn, 0xA000))).R4);
        var hostBase = f.Memory("h0").GuestRams["g"].HostBase;
        Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + 0x7010), await f.Dma("h0", 1, 0x1010, DmaDirection.Write));
        Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + 0x21000), await f.Dma("h0", 1, 0x8000, DmaDirection.Read));
        Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + 0x23008), await f.Dma("h0", 1, 0xA008, DmaDirection.Write));
        Assert.Equal(DmaOutcome.Fault, ((DmaResult)await f.Dma("h0", 1, 0x9000, DmaDirection.Read)).Outcome);
        Assert.Empty((await f.Invariants("h0")).Violations);
    }

    [Fact]
    public async Task a_table_actor_restarted_mid_run_recovers_its_view_and_hardware_from_the_journal()
    {
        var f = new FabricRuntime(Sys);
        await SetUpAndMap(f);
        var table = await Sys.ActorSelection($"/user/host-h0/vm-g/tce-{Liobn:x}").ResolveOne(TimeSpan.FromSeconds(3));
        // Scribble over the hardware table, as a half-done write before a crash would.
        f.Memory("h0").HardwareTables["c0/0"].Write(0x1, 0xdead003);

        table.Tell(Kill.Instance);

        await AssertMapped(f);
        Assert.Equal(f.Memory("h0").GuestRams["g"].HostBase + 0x7003, f.Memory("h0").HardwareTables["c0/0"].Read(0x1));
    }

    /// <summary>A fabric maps through one runtime on <paramref name="config"/>, which stops; a second runtime on the same journal has it all.</summary>
    private static async Task StartedAgainHasEveryAcknowledgedCall(Func<Config> config)
    {
        await using (var first = new FabricRuntime(config(), "first") { Timeout = TimeSpan.FromSeconds(10) })
            await SetUpAndMap(first);
        await using var second = new FabricRuntime(config(), "second") { Timeout = TimeSpan.FromSeconds(10) };
        await AssertMapped(second);
    }

    [Fact]
    public async Task a_fabric_started_again_on_its_sqlite_journal_has_every_acknowledged_call()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-recovery-");
        var file = Path.Combine(dir.FullName, "journal.db");
        var quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING");
        try
        {
            await StartedAgainHasEveryAcknowledgedCall(() => FabricConfig.Build(JournalKind.Sqlite, file, quiet));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    [PostgresFact]
    public async Task a_fabric_started_again_on_its_postgres_journal_has_every_acknowledged_call()
    {
        var journal = PostgresServer.Journal("recovery");
        try
        {
            await StartedAgainHasEveryAcknowledgedCall(() => PostgresServer.Config(journal));
            // The TCE tables journaled into this test's schema, not the server's default one.
            Assert.True(journal.JournalRows(prefix: "tce/") > 0, $"no TCE table rows in {journal}");
        }
        finally
        {
            PostgresServer.Drop(journal);
        }
    }
}
