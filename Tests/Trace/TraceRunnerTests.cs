namespace Fabric.Tests.Trace;

/// <summary>
/// How a run ends (shared/spec/trace-format.md): a malformed line stops it with exit 2 and
/// `FILE:LINE: message` on stderr after the statements before it have printed; a failed setup
/// statement prints ret=-errno and the run goes on.
/// </summary>
public class TraceRunnerTests
{
    [Fact]
    public async Task A_malformed_line_mid_trace_stops_the_run_with_exit_2_after_the_lines_before_it_printed()
    {
        var run = await TraceRun.Text("m.trace", """
            vm name=g ram=2G
            phb index=1
            H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003
            # the next call reads it back

            H_GET_TCE liobn=0x80000100 ioba=0x1000
            H_PUT_TCE liobn=0x80000100 ioba=0x2000
            H_GET_TCE liobn=0x80000100 ioba=0x2000
            """);

        Assert.Equal(2, run.Exit);
        Assert.Equal(
            ["H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003 ret=0", "H_GET_TCE liobn=0x80000100 ioba=0x1000 ret=0 tce=0x1003"],
            run.OutLines);
        Assert.Equal(["m.trace:7: H_PUT_TCE needs tce= (the TCE value, e.g. tce=0x1003)"], run.ErrLines);
    }

    [Theory]
    [InlineData("H_GET_TCE liobn=0x80000100 ioba=0x0")]
    [InlineData("tce-table liobn=0x1 page_shift=12 offset=0 size=16")]
    [InlineData("poke gpa=0x10000 be64=0x1003")]
    [InlineData("RTAS_QUERY_PE_DMA_WINDOW buid=0x800000020000001 cfg=0 nret=5")]
    [InlineData("RTAS_REMOVE_PE_DMA_WINDOW liobn=0x80000100")]
    public async Task Leaving_out_vm_when_two_VMs_are_declared_is_an_error_naming_the_line(string line)
    {
        var run = await TraceRun.Text("v.trace", $"""
            vm name=a ram=1G
            vm name=b ram=1G
            phb vm=a index=1
            H_GET_TCE vm=a liobn=0x80000100 ioba=0x0
            {line}
            H_GET_TCE vm=a liobn=0x80000100 ioba=0x0
            """);

        Assert.Equal(2, run.Exit);
        Assert.Equal(["H_GET_TCE vm=a liobn=0x80000100 ioba=0x0 ret=0 tce=0x0"], run.OutLines);
        Assert.Equal(["v.trace:5: the trace declares 2 VMs; say which with vm=NAME"], run.ErrLines);
    }

    [Fact]
    public async Task A_failed_setup_statement_prints_its_errno_and_the_run_goes_on()
    {
        var run = await TraceRun.Text("s.trace", """
            vm name=g ram=2G
            tce-table liobn=0x1 page_shift=11 offset=0 size=16
            tce-table liobn=0x1 page_shift=12 offset=0 size=16
            tce-table liobn=0x1 page_shift=12 offset=0 size=16
            H_PUT_TCE liobn=0x1 ioba=0x1000 tce=0x10003
            H_GET_TCE liobn=0x1 ioba=0x1000
            """);

        Assert.Equal(0, run.Exit);
        Assert.Equal(
            [
                "tce-table liobn=0x1 page_shift=0xb offset=0x0 size=0x10 ret=-22",
                "tce-table liobn=0x1 page_shift=0xc offset=0x0 size=0x10 ret=-16",
                "H_PUT_TCE liobn=0x1 ioba=0x1000 tce=0x10003 ret=0",
                "H_GET_TCE liobn=0x1 ioba=0x1000 ret=0 tce=0x10003",
            ],
            run.OutLines);
        Assert.Equal(2, run.ErrLines.Length);
        Assert.StartsWith("s.trace:2: ", run.ErrLines[0]);
        Assert.Equal("s.trace:4: KVM already has a table for LIOBN 0x1", run.ErrLines[1]);
    }

    [Fact]
    public async Task A_DMA_by_an_unknown_PE_is_an_error_that_says_how_to_add_it()
    {
        var run = await TraceRun.Text("d.trace", """
            vm name=g ram=2G
            host name=h0
            pe host=h0 id=1
            DMA host=h0 pe=1 ioba=0x1000 dir=read
            DMA host=h0 pe=9 ioba=0x1000 dir=read
            DMA host=h0 pe=1 ioba=0x1000 dir=read
            """);

        Assert.Equal(2, run.Exit);
        Assert.Equal(["DMA host=h0 pe=0x1 ioba=0x1000 dir=read ret=fault"], run.OutLines);
        Assert.Equal(["d.trace:5: host h0 has no PE 9; add it with `pe host=h0 id=9`"], run.ErrLines);
    }

    [Theory]
    [InlineData("RTAS_CONFIGURE_PE vm=g", "RTAS_CONFIGURE_PE names its guest PE either by buid= and cfg= (its PHB's BUID and a config address, as the guest does) or by id=, not both")]
    [InlineData("RTAS_CONFIGURE_PE vm=g id=1 buid=0x800000020000001 cfg=0", "RTAS_CONFIGURE_PE names its guest PE either by buid= and cfg= (its PHB's BUID and a config address, as the guest does) or by id=, not both")]
    [InlineData("RTAS_CONFIGURE_PE vm=g buid=0x800000020000001", "RTAS_CONFIGURE_PE names its guest PE either by buid= and cfg= (its PHB's BUID and a config address, as the guest does) or by id=, not both")]
    [InlineData("RTAS_GET_CONFIG_ADDR_INFO2 vm=g buid=0x800000020000001 cfg=0 option=0 bus=1", "bus= goes with id= only; with buid=, the bus is cfg='s (cfg=0x10000 is bus 1)")]
    [InlineData("RTAS_CONFIGURE_PE vm=g buid=0x800000020000001 cfg=0x100000000", "cfg=4294967296 does not fit in an RTAS argument word (32 bits)")]
    public async Task An_EEH_RTAS_call_names_its_guest_PE_by_buid_and_cfg_or_by_id(string line, string why)
    {
        var run = await TraceRun.Text("e.trace", $"""
            vm name=g ram=2G
            pe host=h0 id=1
            guest-pe vm=g id=1 pes=1
            {line}
            """);

        Assert.Equal(2, run.Exit);
        Assert.Equal([$"e.trace:4: {why}"], run.ErrLines);
    }
}
