using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Fabric.Container;
using Fabric.Eeh;
using Fabric.Host;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.TceTable;
using Fabric.Tests.Support;
using Fabric.Vm;
using Microsoft.Data.Sqlite;
using static Fabric.Tests.Support.BoundTable;

namespace Fabric.Tests.Actors;

/// <summary>
/// Windows removed and created again on one LIOBN (QEMU reuses them), through the actors: the
/// journal of the LIOBN's table holds every window's calls, and recovery keeps only the last
/// window's, whatever stopped where.
/// </summary>
public sealed class DdwWindowSpec : TestKit
{
    private static readonly ulong Buid = AddPhb.BuidBase + 1, Default = AddPhb.Liobn(1, 0);

    public DdwWindowSpec() : base(TestConfigs.InMemory()) { }

    private static async Task<RtasAnswer> Rtas(FabricRuntime f, IDdwRtasCall call) => (RtasAnswer)await f.Ask("h0", call);

    /// <summary>A 4K TCE at entry 1 of the default window, then that window replaced by a 64K window at 0 on the same LIOBN, with a TCE at its entry 2.</summary>
    private static async Task ReuseTheDefaultLiobn(FabricRuntime f)
    {
        await Ok(f, new CreateVm("g", 2 * Gib, 1));
        await Ok(f, new AddPhb("g", 1, true, AddPhb.DefaultPageSizeMask, AddPhb.DefaultWindowSize, AddPhb.DefaultDma64WindowAddress));
        Assert.Equal(HcallReturn.Success, (await Call(f, new HPutTce(Default, 0x1000, 0x1003))).Ret);
        Assert.Equal(RtasStatus.Success, (await Rtas(f, new RemovePeDmaWindow("g", (uint)Default))).Status);
        var created = await Rtas(f, new CreatePeDmaWindow("g", Buid, 0, 16, 32));
        Assert.Equal([Default, 0, 0], created.Outputs);
        Assert.Equal(HcallReturn.Success, (await Call(f, new HPutTce(Default, 0x20000, 0x20003))).Ret);
    }

    /// <summary>Entry 1 of the new window is where the old window's TCE was: it must read 0.</summary>
    private static async Task AssertOnlyTheNewWindowsTce(FabricRuntime f)
    {
        Assert.Equal(new HcallResult(0, HcallReturn.Success, 0), (await Call(f, new HGetTce(Default, 0x10000))) with { CallId = 0 });
        Assert.Equal(0x20003UL, (await Call(f, new HGetTce(Default, 0x20000))).R4);
        Assert.Equal(1UL, (await Rtas(f, new QueryPeDmaWindow("g", Buid, 0, 5))).Outputs[0]);
    }

    [Fact]
    public async Task a_table_of_a_reused_LIOBN_restarted_mid_run_recovers_only_its_own_window()
    {
        var f = new FabricRuntime(Sys);
        await ReuseTheDefaultLiobn(f);
        var table = await Sys.ActorSelection($"/user/host-h0/vm-g/tce-{Default:x}").ResolveOne(TimeSpan.FromSeconds(3));

        table.Tell(Kill.Instance);

        await AssertOnlyTheNewWindowsTce(f);
    }

    [Fact]
    public async Task a_fabric_started_again_on_its_sqlite_journal_has_the_reused_LIOBNs_new_window_only()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-ddw-");
        var file = Path.Combine(dir.FullName, "journal.db");
        Config Config() => FabricConfig.Build(JournalKind.Sqlite, file, ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
        try
        {
            await using (var first = new FabricRuntime(Config(), "first") { Timeout = TimeSpan.FromSeconds(10) })
            {
                await ReuseTheDefaultLiobn(first);
                Assert.Equal(RtasStatus.Success, (await Rtas(first, new CreatePeDmaWindow("g", Buid, 0, 16, 32))).Status);
                Assert.Equal(RtasStatus.Success, (await Rtas(first, new RemovePeDmaWindow("g", (uint)AddPhb.Liobn(1, 1)))).Status);
            }
            await using var second = new FabricRuntime(Config(), "second") { Timeout = TimeSpan.FromSeconds(10) };
            await AssertOnlyTheNewWindowsTce(second);
            // The removed second window stays removed: its LIOBN is unknown to both handlers.
            Assert.Equal(HcallReturn.Parameter, (await Call(second, new HGetTce(AddPhb.Liobn(1, 1), 1UL << 59))).Ret);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The host journaled a removal its table never did (the node stopped in between): the table
    /// of the LIOBN's next window starts empty, and writes the marker it lacks, so the next
    /// recovery agrees.
    /// </summary>
    [Fact]
    public void a_table_whose_journal_lacks_a_removal_the_host_made_starts_empty_and_journals_the_marker()
    {
        var memory = new HostMemory("h0");
        memory.GuestRams["g"] = new GuestRam(2 * Gib, 1UL << 40);
        var created = new TceTableCreated("g", 0x5, 12, 0, 0x100, InKernel: true, InUserspace: true);

        IActorRef Start(int removals) => Sys.ActorOf(TceTableActor.Props(created, memory, ActorRefs.Nobody, DurabilityMode.Strict, new TableProgress(created.Vm, created.Liobn), removals));
        ulong Get(IActorRef t, ulong ioba)
        {
            t.Tell(new Hcall(1, new HGetTce(0x5, ioba)));
            return ExpectMsg<HcallResult>(TimeSpan.FromSeconds(10)).R4;
        }
        void Put(IActorRef t, ulong ioba, ulong tce)
        {
            t.Tell(new Hcall(2, new HPutTce(0x5, ioba, tce)));
            Assert.Equal(HcallReturn.Success, ExpectMsg<HcallResult>(TimeSpan.FromSeconds(10)).Ret);
        }
        void Stop(IActorRef t)
        {
            Watch(t);
            Sys.Stop(t);
            ExpectTerminated(t);
        }

        var first = Start(0);
        Put(first, 0x1000, 0x1003);
        Stop(first);

        var second = Start(1);
        Assert.Equal(0UL, Get(second, 0x1000));
        Put(second, 0x2000, 0x2003);
        Stop(second);

        var third = Start(1);
        Assert.Equal((0UL, 0x2003UL), (Get(third, 0x1000), Get(third, 0x2000)));
    }
}
