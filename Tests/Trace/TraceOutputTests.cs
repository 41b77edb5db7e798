using Fabric.Hosting.Trace;
using Fabric.Messages;
using Xunit;
using static Fabric.Tests.Trace.TraceTestKit;

namespace Fabric.Tests.Trace;

/// <summary>Output lines exactly as shared/spec/trace-format.md prints them.</summary>
public class TraceOutputTests
{
    [Fact]
    public void The_spec_example_prints_exactly()
    {
        var statements = TraceParser.ParseText("example.trace", """
            vm name=g ram=2G
            phb vm=g index=1
            H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003
            H_GET_TCE liobn=0x80000100 ioba=0x1000
            """);
        var calls = statements.Where(s => s.Kind == TraceVerbKind.Call).ToList();

        Assert.Equal("H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003 ret=0",
            TraceOutput.Line(calls[0], TraceOutput.Ret(HcallReturn.Success)));
        Assert.Equal("H_GET_TCE liobn=0x80000100 ioba=0x1000 ret=0 tce=0x1003",
            TraceOutput.Line(calls[1], TraceOutput.GetTce(HcallReturn.Success, 0x1003)));
    }

    [Theory]
    [InlineData(0L, "ret=0")]
    [InlineData(-4L, "ret=-4")]
    [InlineData(-3L, "ret=-3")]
    [InlineData(1L, "ret=1")]
    [InlineData(long.MinValue, "ret=-9223372036854775808")]
    public void Ret_is_signed_decimal(long code, string text) => Assert.Equal(text, TraceOutput.Ret(code));

    [Fact]
    public void Ret_of_an_hcall_return_is_its_signed_value() =>
        Assert.Equal("ret=-4", TraceOutput.Ret(HcallReturn.Parameter));

    [Fact]
    public void Get_tce_failure_prints_the_liobn_left_in_r4() =>
        Assert.Equal("H_GET_TCE liobn=0x80000100 ioba=0x40000000 ret=-4 tce=0x80000100",
            TraceOutput.Line(One("H_GET_TCE liobn=0x80000100 ioba=0x40000000"), TraceOutput.GetTce(-4, 0x80000100)));

    [Fact]
    public void Query_prints_nret_minus_one_words_as_hex_digits_without_0x()
    {
        var s = One("RTAS_QUERY_PE_DMA_WINDOW buid=0x800000020000001 cfg=0 nret=5");
        Assert.Equal("RTAS_QUERY_PE_DMA_WINDOW buid=0x800000020000001 cfg=0x0 nret=0x5 ret=0 out=1,80000000,107,0",
            TraceOutput.Line(s, TraceOutput.QueryDmaWindow(0, 5, [1, 0x80000000, 0x107, 0])));
        Assert.Equal("ret=0 out=1,20,0,107,0", TraceOutput.QueryDmaWindow(0, 6, [1, 0x20, 0, 0x107, 0]));
    }

    [Theory]
    [InlineData(5, "ret=-3 out=0,0,0,0")]
    [InlineData(6, "ret=-3 out=0,0,0,0,0")]
    public void Failed_query_prints_its_words_as_zero(int nret, string text) =>
        Assert.Equal(text, TraceOutput.QueryDmaWindow(-3, nret, [1, 2, 3]));

    [Fact]
    public void Query_with_the_wrong_word_count_is_a_caller_bug() =>
        Assert.Throws<ArgumentException>(() => TraceOutput.QueryDmaWindow(0, 5, [1, 2, 3]));

    [Fact]
    public void Out_prints_words_as_hex_digits_without_0x() =>
        Assert.Equal("out=0,ffffffff,a", TraceOutput.Out([0, uint.MaxValue, 10]));

    [Fact]
    public void Create_prints_liobn_and_start_in_hex() =>
        Assert.Equal("ret=0 liobn=0x80000101 start=0x800000000000000",
            TraceOutput.CreateDmaWindow(0, 0x80000101, 1UL << 59));

    [Fact]
    public void Failed_create_prints_liobn_and_start_as_zero() =>
        Assert.Equal("ret=-1 liobn=0x0 start=0x0", TraceOutput.CreateDmaWindow(-1, 0x80000101, 1UL << 59));

    [Fact]
    public void Dma_results_print_ok_with_hpa_fault_or_frozen()
    {
        var s = One("DMA host=h0 pe=1 ioba=0x1000 dir=read");
        Assert.Equal("DMA host=h0 pe=0x1 ioba=0x1000 dir=read ret=ok hpa=0x2001000", TraceOutput.Line(s, TraceOutput.DmaOk(0x2001000)));
        Assert.Equal("DMA host=h0 pe=0x1 ioba=0x1000 dir=read ret=fault", TraceOutput.Line(s, TraceOutput.DmaFault));
        Assert.Equal("DMA host=h0 pe=0x1 ioba=0x1000 dir=read ret=frozen", TraceOutput.Line(s, TraceOutput.DmaFrozen));
    }

    [Theory]
    [InlineData(DmaOutcome.Ok, "ret=ok hpa=0x1000")]
    [InlineData(DmaOutcome.Fault, "ret=fault")]
    [InlineData(DmaOutcome.Frozen, "ret=frozen")]
    public void Dma_outcome_maps_to_its_result(DmaOutcome outcome, string text) =>
        Assert.Equal(text, TraceOutput.Dma(outcome, 0x1000));

    [Fact]
    public void Failed_setup_prints_its_echo_and_the_negative_errno() =>
        Assert.Equal("tce-table vm=g liobn=0x80000100 page_shift=0xb offset=0x0 size=0x40000 ret=-22",
            TraceOutput.SetupFailed(One("tce-table vm=g liobn=0x80000100 page_shift=11 offset=0 size=262144"), Errno.EINVAL));

    [Fact]
    public void Line_without_results_is_the_echo() =>
        Assert.Equal("host name=h0", TraceOutput.Line(One("host name=h0")));

    [Theory]
    [InlineData(0UL, "0x0")]
    [InlineData(0xABCUL, "0xabc")]
    [InlineData(ulong.MaxValue, "0xffffffffffffffff")]
    public void Hex_is_lowercase_with_0x(ulong value, string text) => Assert.Equal(text, TraceOutput.Hex(value));
}
