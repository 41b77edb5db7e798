using Fabric.Tests.Support;

namespace Fabric.Tests.Replay;

/// <summary>Replay follows windows removed and created again on one LIOBN as the fabric does.</summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplayDdwTests(ReplayFixture fixture)
{
    [Fact]
    public async Task A_window_created_again_on_a_removed_LIOBN_replays_with_its_own_geometry_and_TCEs_only()
    {
        var journal = await fixture.TextJournal("ddw-reuse.trace", """
            vm name=g ram=2G
            phb index=1
            H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003
            H_PUT_TCE liobn=0x80000100 ioba=0x3000 tce=0x3003
            RTAS_REMOVE_PE_DMA_WINDOW liobn=0x80000100
            RTAS_CREATE_PE_DMA_WINDOW buid=0x800000020000001 cfg=0 page_shift=16 window_shift=32
            H_PUT_TCE liobn=0x80000100 ioba=0x20000 tce=0x20003
            RTAS_CREATE_PE_DMA_WINDOW buid=0x800000020000001 cfg=0 page_shift=16 window_shift=32
            RTAS_REMOVE_PE_DMA_WINDOW liobn=0x80000101
            """);

        var state = (await fixture.State(journal)).State;

        var host = state.Hosts["h0"];
        var table = host.Tables[("g", 0x80000100)].Table;
        Assert.Equal((16, 0UL, 1UL << 16), (table.Geometry.PageShift, table.Geometry.Offset, table.Geometry.Size));
        Assert.Equal(1, table.View.NonZeroEntries);
        Assert.Equal(0x20003UL, table.View.Get(2));
        Assert.False(host.Tables.ContainsKey(("g", 0x80000101)));
        Assert.Equal(3, state.Calls);
        Assert.Empty(state.Violations);
    }
}
