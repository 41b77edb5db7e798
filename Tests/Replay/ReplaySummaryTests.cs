using Fabric.Hosting.Replay;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Replay;

/// <summary>The state and summary replay rebuilds from journals of known workloads.</summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplaySummaryTests(ReplayFixture fixture)
{
    /// <summary>One KVM table; every call's return code is known, and the last call has no table (never journaled).</summary>
    public const string Workload = """
        vm name=g ram=2G
        tce-table liobn=0x1 page_shift=12 offset=0 size=0x40000
        H_PUT_TCE liobn=0x1 ioba=0x1000 tce=0x2003
        H_PUT_TCE liobn=0x1 ioba=0x2000 tce=0x3003
        H_PUT_TCE liobn=0x1 ioba=0x1001 tce=0x2003
        H_STUFF_TCE liobn=0x1 ioba=0x10000 tce=0x5003 npages=8
        H_STUFF_TCE liobn=0x1 ioba=0x10000 tce=0 npages=8
        H_GET_TCE liobn=0x1 ioba=0x1000
        H_PUT_TCE liobn=0x1 ioba=0x2000 tce=0
        H_PUT_TCE liobn=0x1 ioba=0x80000000 tce=0x2003
        H_PUT_TCE liobn=0x99 ioba=0x1000 tce=0x2003
        """;

    private static string Quickstart => Path.Combine(RepoRoot.Traces, "quickstart.trace");

    [Fact]
    public async Task Calls_are_counted_by_kind_and_return_code_and_mapped_TCEs_by_table()
    {
        var journal = await fixture.TextJournal("workload.trace", Workload);

        var result = await fixture.State(journal);

        var host = Assert.Single(result.State.Hosts.Values);
        var table = Assert.Single(host.Tables.Values);
        Assert.Equal(("g", 0x1UL), (table.Vm, table.Table.Geometry.Liobn));
        Assert.True(table.Table.InKernel);
        Assert.Equal(1, table.Table.View.NonZeroEntries);
        Assert.Equal(0x2003UL, table.Table.View.Get(1));
        Assert.Equal(new Dictionary<(ulong, HcallReturn), long>
        {
            [(HPutTce.Number, HcallReturn.Success)] = 3,
            [(HPutTce.Number, HcallReturn.Parameter)] = 2,
            [(HStuffTce.Number, HcallReturn.Success)] = 1,
            [(HStuffTce.Number, HcallReturn.Parameter)] = 1,
            [(HGetTce.Number, HcallReturn.Success)] = 1,
        }, table.Calls.ToDictionary());
        // The call to LIOBN 0x99 was refused by the router: no table, nothing journaled.
        Assert.Equal(8, result.State.Calls);
        Assert.Equal(3 + 8, result.State.TcesWritten);
        Assert.Equal(0, result.State.Dmas);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task The_summary_prints_tables_calls_PEs_and_DMAs_as_plain_lines()
    {
        var journal = await fixture.TraceJournal(Quickstart);

        var run = await fixture.Replay(journal);

        Assert.True(run.Exit == 0, run.Err);
        Assert.Equal("", run.Err);
        var lines = run.OutLines;
        Assert.Equal($"journal {journal}", lines[0]);
        Assert.Matches(@"^rows 1\.\.24: 24 rows, 24 events, 0 deleted, 0 of other streams$", lines[1]);
        Assert.Equal(
            [
                "host h0",
                "  vm g ram=0x80000000 host_base=0x10000000000 vcpus=1",
                "    table liobn=0x1 page_shift=12 offset=0x0 size=0x40000 in-kernel+userspace links=c0/0 mapped=0",
                "    table liobn=0x80000100 page_shift=12 offset=0x0 size=0x40000 userspace mapped=1",
                "    calls H_GET_TCE ret=0 (H_SUCCESS): 1",
                "    calls H_PUT_TCE ret=0 (H_SUCCESS): 3",
                "  container c0 groups=1,2 window=0:page_shift=12,bus_offset=0x0,entries=0x40000 owner=g",
                "  pe 0.1 owner=g eeh=normal dma ok=1 fault=1 frozen=0",
                "  pe 0.2 owner=g eeh=normal dma ok=1 fault=1 frozen=0",
                "calls 4 (3 TCEs written)",
                "dmas 4: ok=2 fault=2 frozen=0",
                "bad rows skipped 0",
                "invariants 4 calls acknowledged, 4 DMAs checked: clean",
            ],
            lines[3..]);
        Assert.DoesNotContain('\u001b', run.Out);
    }

    [Fact]
    public async Task Two_replays_of_one_journal_print_the_same_summary()
    {
        var journal = await fixture.TraceJournal(Quickstart);

        var first = await fixture.Replay(journal);
        var second = await fixture.Replay(journal, new ReplayOptions { Parallelism = 1 });

        Assert.Equal(first.Out, second.Out);
    }

    [Fact]
    public async Task A_second_bind_of_the_same_window_shows_as_a_second_reference()
    {
        var journal = await fixture.TextJournal("rebind.trace", """
            vm name=g ram=1G
            tce-table liobn=0x1 page_shift=12 offset=0 size=0x40000
            pe host=h0 id=1
            container host=h0 id=c0 groups=1
            bind liobn=0x1 group=1
            bind liobn=0x1 group=1
            """);

        var run = await fixture.Replay(journal);

        Assert.Contains("    table liobn=0x1 page_shift=12 offset=0x0 size=0x40000 in-kernel+userspace links=c0/0*2 mapped=0", run.OutLines);
        Assert.Contains("  pe 0.1 owner=g eeh=normal dma ok=0 fault=0 frozen=0", run.OutLines);
    }

    [Fact]
    public async Task A_QEMU_window_that_KVM_takes_over_replays_as_answered_in_kernel_first()
    {
        var journal = await fixture.TextJournal("takeover.trace", """
            vm name=g ram=1G
            phb index=1
            H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003
            tce-table liobn=0x80000100 page_shift=12 offset=0 size=0x40000
            H_PUT_TCE liobn=0x80000100 ioba=0x2000 tce=0x2003
            """);

        var result = await fixture.State(journal);

        var table = Assert.Single(result.State.Hosts["h0"].Tables.Values);
        Assert.True(table.Table.InKernel && table.Table.InUserspace);
        Assert.Equal(2, table.Table.View.NonZeroEntries);
        Assert.Equal(new Dictionary<(ulong, HcallReturn), long> { [(HPutTce.Number, HcallReturn.Success)] = 2 }, table.Calls.ToDictionary());
    }

    [Theory]
    [InlineData(HcallReturn.Success, "H_SUCCESS")]
    [InlineData(HcallReturn.Parameter, "H_PARAMETER")]
    [InlineData(HcallReturn.NotEnoughResources, "H_NOT_ENOUGH_RESOURCES")]
    [InlineData(HcallReturn.TooHard, "H_TOO_HARD")]
    [InlineData((HcallReturn)(-77), "unknown")]
    public void Return_codes_print_with_their_hvcall_h_names(HcallReturn ret, string name) =>
        Assert.Equal(name, ReplaySummary.RetName(ret));

    /// <summary>A PE's EEH state comes from its own stream: frozen after the fault, thawed step by step.</summary>
    [Fact]
    public async Task The_summary_shows_each_PE_s_EEH_state_at_the_row_asked_for()
    {
        var journal = await fixture.TraceJournal(Path.Combine(Support.RepoRoot.Traces, "eeh-single-pe.trace"));
        // pe/h0/0.1: #1 owner, #2 fault, #3 ok, #4 EEH enabled, #5 fault, #6 frozen, #7 the DMA refused.
        var frozen = await fixture.Replay(journal, new ReplayOptions { Until = ReplayLimit.AtOrdering(ReplayFixture.Ordering(journal, "pe/h0/0.1", 7)) });
        var end = await fixture.Replay(journal);

        Assert.Contains("  pe 0.1 owner=g eeh=frozen dma ok=1 fault=2 frozen=1", frozen.OutLines);
        Assert.Contains("  pe 0.1 owner=g eeh=frozen dma ok=3 fault=2 frozen=3", end.OutLines);
    }
}
