using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests.Persistence;

/// <summary>Every event is tagged, and the read journal finds a run's calls, DMAs and topology by tag.</summary>
public sealed class ReadSideTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("fabric-readside-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Delete(recursive: true);
    }

    [Fact]
    public async Task the_read_journal_returns_each_tag_s_events_in_order()
    {
        var config = FabricConfig.Build(JournalKind.Sqlite, Path.Combine(_temp.FullName, "j.db"), ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
        await using var f = new FabricRuntime(config, "readside");
        const ulong gib = 1UL << 30;
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new CreateVm("g", 2 * gib, 1)));
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new CreateTceTable("g", 0xA, 12, 0, gib >> 12, 0)));
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new AddHostPe(1, 0)));
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new CreateContainer("c0", [1], [new HardwareWindow(0, 12, 0, gib >> 12)])));
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new BindGroupToLiobn("g", 0xA, 1)));
        await f.Hcall("h0", "g", 0, new HPutTce(0xA, 0x1000, 0x7003));
        await f.Hcall("h0", "g", 0, new HPutTce(0xA, 0x2000, 0x8003));
        await f.Dma("h0", 1, 0x1000, DmaDirection.Read);
        // EEH enabled on the container, then a DMA with no mapping: the PE freezes.
        Assert.Equal(SetupResult.Ok, await f.Setup("h0", new EehPeOpOnContainer(FdArgument.OfContainer("c0"), 16, 0, (uint)EehPeOp.Enable)));
        await f.Dma("h0", 1, 0x9000, DmaDirection.Write);

        var hcalls = await ReadSide.CurrentByTag(f.System, FabricTagger.Hcall);
        Assert.Equal([0x7003UL, 0x8003UL], hcalls.Select(e => ((HPutTce)((HcallHandled)e.Event).Call).Tce));
        var dma = await ReadSide.CurrentByTag(f.System, FabricTagger.Dma);
        Assert.Equal([DmaOutcome.Ok, DmaOutcome.Fault], dma.Select(e => ((DmaCompleted)e.Event).Outcome));
        var eeh = await ReadSide.CurrentByTag(f.System, FabricTagger.Eeh);
        Assert.Equal(["normal", "frozen"], eeh.Select(e => ((PeEehChanged)e.Event).State.Name));
        Assert.True(((PeEehChanged)eeh[0].Event).State.Enabled);
        var topology = await ReadSide.CurrentByTag(f.System, FabricTagger.Topology);
        Assert.Contains(topology, e => e.Event is VmCreated);
        Assert.Contains(topology, e => e.Event is HardwareTableLinked);
    }
}
