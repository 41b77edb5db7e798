using Fabric.Hosting.Trace;
using Xunit;
using static Fabric.Tests.Trace.TraceTestKit;

namespace Fabric.Tests.Trace;

/// <summary>Parse then echo: the statement as given, numbers as 0x hex, keys in the order written.</summary>
public class TraceEchoTests
{
    [Theory]
    [InlineData("vm name=g ram=2G", "vm name=g ram=0x80000000")]
    [InlineData("vm name=g ram=512M host=h0", "vm name=g ram=0x20000000 host=h0")]
    [InlineData("phb vm=g index=1", "phb vm=g index=0x1")]
    [InlineData("phb index=1 ddw=off pgsz=0x107 dma_win_size=1073741824 dma64_win_addr=0x800000000000000",
        "phb index=0x1 ddw=off pgsz=0x107 dma_win_size=0x40000000 dma64_win_addr=0x800000000000000")]
    [InlineData("tce-table vm=g liobn=0x80000100 page_shift=12 offset=0 size=262144",
        "tce-table vm=g liobn=0x80000100 page_shift=0xc offset=0x0 size=0x40000")]
    [InlineData("poke vm=g gpa=0x10000 be64=0x1003,4099", "poke vm=g gpa=0x10000 be64=0x1003,0x1003")]
    [InlineData("host name=h0", "host name=h0")]
    [InlineData("pe host=h0 id=1", "pe host=h0 id=0x1")]
    [InlineData("pe host=h0 id=1 phb=2", "pe host=h0 id=0x1 phb=0x2")]
    [InlineData("container host=h0 id=c0 groups=1,2", "container host=h0 id=c0 groups=0x1,0x2")]
    [InlineData("container host=h0 id=c0 groups=1 page_shift=16 window_size=0x40000000 bus_offset=0",
        "container host=h0 id=c0 groups=0x1 page_shift=0x10 window_size=0x40000000 bus_offset=0x0")]
    [InlineData("bind vm=g liobn=0x80000100 group=1", "bind vm=g liobn=0x80000100 group=0x1")]
    [InlineData("bind liobn=0x80000100 group=1 host=h0", "bind liobn=0x80000100 group=0x1 host=h0")]
    [InlineData("H_PUT_TCE liobn=2147483904 ioba=4096 tce=0x1003", "H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003")]
    [InlineData("H_GET_TCE liobn=0x80000100 ioba=0x1000", "H_GET_TCE liobn=0x80000100 ioba=0x1000")]
    [InlineData("H_STUFF_TCE liobn=0x80000100 ioba=0 tce=0 npages=512",
        "H_STUFF_TCE liobn=0x80000100 ioba=0x0 tce=0x0 npages=0x200")]
    [InlineData("H_PUT_TCE_INDIRECT liobn=0x80000100 ioba=0x2000 tcelist=0x10000 npages=2",
        "H_PUT_TCE_INDIRECT liobn=0x80000100 ioba=0x2000 tcelist=0x10000 npages=0x2")]
    [InlineData("RTAS_QUERY_PE_DMA_WINDOW buid=0x800000020000001 cfg=0 nret=5",
        "RTAS_QUERY_PE_DMA_WINDOW buid=0x800000020000001 cfg=0x0 nret=0x5")]
    [InlineData("RTAS_QUERY_PE_DMA_WINDOW buid=0x800000020000001 cfg=0 nret=6",
        "RTAS_QUERY_PE_DMA_WINDOW buid=0x800000020000001 cfg=0x0 nret=0x6")]
    [InlineData("RTAS_CREATE_PE_DMA_WINDOW buid=0x800000020000001 cfg=0 page_shift=16 window_shift=40",
        "RTAS_CREATE_PE_DMA_WINDOW buid=0x800000020000001 cfg=0x0 page_shift=0x10 window_shift=0x28")]
    [InlineData("RTAS_REMOVE_PE_DMA_WINDOW liobn=0x80000101", "RTAS_REMOVE_PE_DMA_WINDOW liobn=0x80000101")]
    [InlineData("RTAS_RESET_PE_DMA_WINDOW buid=0x800000020000001 cfg=0",
        "RTAS_RESET_PE_DMA_WINDOW buid=0x800000020000001 cfg=0x0")]
    [InlineData("DMA host=h0 pe=1 ioba=0x1000 dir=read", "DMA host=h0 pe=0x1 ioba=0x1000 dir=read")]
    [InlineData("DMA host=h0 pe=1 ioba=0x1000 dir=write", "DMA host=h0 pe=0x1 ioba=0x1000 dir=write")]
    public void Every_verb_echoes_as_given_with_numbers_in_hex(string line, string echo) =>
        Assert.Equal(echo, Echo(line));

    [Theory]
    [InlineData("H_PUT_TCE tce=0x1003 ioba=0x1000 liobn=0x80000100")]
    [InlineData("H_PUT_TCE ioba=0x1000 tce=0x1003 liobn=0x80000100")]
    [InlineData("DMA dir=write ioba=0x0 pe=0x3 host=h1")]
    [InlineData("phb dma64_win_addr=0x1000 index=0x2 ddw=on vm=g2")]
    public void Keys_echo_in_the_order_written(string line) => Assert.Equal(line, Echo(line));

    [Fact]
    public void Echo_is_stable_when_parsed_again()
    {
        var once = Echo("vm name=g ram=2G host=h0");
        Assert.Equal(once, Echo(once));
    }

    [Fact]
    public void Names_and_words_echo_as_written()
    {
        Assert.Equal("container host=Host-1.a id=c_0 groups=0x7", Echo("container host=Host-1.a id=c_0 groups=7"));
        Assert.Equal("phb vm=g index=0x0 ddw=on", Echo("phb vm=g index=0 ddw=on"));
    }

    [Fact]
    public void Statement_to_string_is_its_echo() =>
        Assert.Equal("H_GET_TCE liobn=0x80000100 ioba=0x1000", One("H_GET_TCE liobn=2147483904 ioba=4096").ToString());
}
