using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;

namespace Fabric.Tests.Actors;

/// <summary>A busy table snapshots its journaled state and recovers from the snapshot plus the events after it.</summary>
public sealed class TableSnapshotSpec : TestKit
{
    private const ulong Gib = 1UL << 30;
    private const ulong Liobn = 0xA;

    public TableSnapshotSpec() : base(FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        fabric.snapshot-every = 10
        """))) { }

    private static async Task<HcallResult> Call(FabricRuntime f, IHypercall c) => (HcallResult)await f.Hcall("h0", "g", 0, c);

    [Fact]
    public async Task a_table_recovers_from_its_snapshot_and_the_calls_after_it()
    {
        var f = new FabricRuntime(Sys);
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new CreateVm("g", 2 * Gib, 1)));
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new CreateTceTable("g", Liobn, 12, 0, Gib >> 12, 0)));
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new AddHostPe(1, 0)));
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new CreateContainer("c0", [1], [new HardwareWindow(0, 12, 0, Gib >> 12)])));
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new BindGroupToLiobn("g", Liobn, 1)));
        for (ulong i = 0; i < 25; i++)
            Assert.Equal(HcallReturn.Success, (await Call(f, new HPutTce(Liobn, i << 12 << 9, ((i + 1) << 12) | 3))).Ret);

        var store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var loaded = await store.Ask<LoadSnapshotResult>(
            new LoadSnapshot($"tce/h0/g/0x{Liobn:x}", SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(5));
        var snapshot = Assert.IsType<TceTableSnapshot>(loaded.Snapshot?.Snapshot);
        Assert.True(snapshot.PageNumbers.Length >= 10, $"the snapshot holds {snapshot.PageNumbers.Length} pages");
        Assert.InRange(snapshot.Calls, 10, 25);

        var table = await Sys.ActorSelection($"/user/host-h0/vm-g/tce-{Liobn:x}").ResolveOne(TimeSpan.FromSeconds(3));
        table.Tell(Kill.Instance);

        var hostBase = f.Memory("h0").GuestRams["g"].HostBase;
        for (ulong i = 0; i < 25; i++)
        {
            Assert.Equal(((i + 1) << 12) | 3, (await Call(f, new HGetTce(Liobn, i << 12 << 9))).R4);
            Assert.Equal(new DmaResult(DmaOutcome.Ok, hostBase + ((i + 1) << 12)), await f.Dma("h0", 1, i << 12 << 9, DmaDirection.Read));
        }
        Assert.Empty((await f.Invariants("h0")).Violations);
        // The recovered table counts on from its snapshot and the calls after it: the 25 calls
        // before the kill and the 25 H_GET_TCE after it are positions 1..50, as in its journal.
        var progress = Assert.Single(f.Memory("h0").HardwareTables.Values.Single().Writers);
        Assert.Equal((50L, 25L), (progress.AckedThrough, progress.AppliedThrough));
    }
    [Fact]
    public async Task a_table_that_crashes_before_each_tenth_call_still_snapshots_counting_the_calls_it_read_back()
    {
        var f = new FabricRuntime(Sys);
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new CreateVm("g", 2 * Gib, 1)));
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new CreateTceTable("g", Liobn, 12, 0, Gib >> 12, 0)));
        // Six calls an incarnation: none of them alone reaches snapshot-every (10).
        for (ulong round = 0; round < 3; round++)
        {
            for (ulong i = 0; i < 6; i++)
                Assert.Equal(HcallReturn.Success, (await Call(f, new HPutTce(Liobn, (round * 6 + i) << 12, 0x7003))).Ret);
            // Looked up once a call has reached it: the setup's answer comes before the VM has started the table.
            var table = await Sys.ActorSelection($"/user/host-h0/vm-g/tce-{Liobn:x}").ResolveOne(TimeSpan.FromSeconds(3));
            table.Tell(InjectedCrash.Instance);
        }
        Assert.Equal(0x7003UL, (await Call(f, new HGetTce(Liobn, 17 << 12))).R4);

        var store = Akka.Persistence.Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var loaded = await store.Ask<LoadSnapshotResult>(
            new LoadSnapshot($"tce/h0/g/0x{Liobn:x}", SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(5));
        var snapshot = Assert.IsType<TceTableSnapshot>(loaded.Snapshot?.Snapshot);
        Assert.InRange(snapshot.Calls, 10, 18);
    }
}
