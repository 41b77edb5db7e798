using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;

namespace Fabric.Tests.Actors;

/// <summary>
/// A host PE snapshots its owner and EEH state every fabric.pe-snapshot-every records, and a
/// restarted PE recovers from the newest snapshot: it does not need the DMA records before it.
/// </summary>
public sealed class HostPeSnapshotSpec : TestKit
{
    private const ulong Liobn = 0xA;
    private const string Pe = "pe/h0/0.1";

    public HostPeSnapshotSpec() : base(FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        fabric.pe-snapshot-every = 10
        """))) { }

    [Fact]
    public async Task a_restarted_pe_recovers_from_its_snapshot_without_the_records_before_it()
    {
        var f = new FabricRuntime(Sys);
        await BoundTable.SetUp(f, Liobn, [1]);
        Assert.Equal(HcallReturn.Success, (await BoundTable.Call(f, new HPutTce(Liobn, 0x1000, 0x7003))).Ret);
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new EehInject(1, null)));
        for (var i = 0; i < 25; i++)
            Assert.Equal(DmaOutcome.Frozen, ((DmaResult)await f.Dma("h0", 1, 0x1000, DmaDirection.Read)).Outcome);

        var persistence = Akka.Persistence.Persistence.Instance.Apply(Sys);
        var loaded = await persistence.SnapshotStoreFor(null).Ask<LoadSnapshotResult>(
            new LoadSnapshot(Pe, SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(5));
        var snapshot = Assert.IsType<HostPeSnapshot>(loaded.Snapshot?.Snapshot);
        Assert.True(snapshot.Eeh.DmaFrozen);
        Assert.Equal("g", snapshot.Owner);
        // Snapshots are taken every 10 records: the newest is at least 20 of the ~27 in.
        Assert.InRange(loaded.Snapshot!.Metadata.SequenceNr, 20, 30);

        // Without the records up to the snapshot, only the snapshot can say the PE is frozen.
        persistence.JournalFor(null).Tell(new DeleteMessagesTo(Pe, loaded.Snapshot.Metadata.SequenceNr, TestActor));
        ExpectMsg<DeleteMessagesSuccess>(TimeSpan.FromSeconds(5));
        var pe = await Sys.ActorSelection("/user/host-h0/pe-0.1").ResolveOne(TimeSpan.FromSeconds(3));
        pe.Tell(InjectedCrash.Instance);

        Assert.Equal(DmaOutcome.Frozen, ((DmaResult)await f.Dma("h0", 1, 0x1000, DmaDirection.Read)).Outcome);
    }
}
