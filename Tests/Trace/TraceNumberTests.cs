using Fabric.Hosting.Trace;
using Xunit;
using static Fabric.Tests.Trace.TraceTestKit;

namespace Fabric.Tests.Trace;

/// <summary>Numbers: decimal or 0x hex, 64-bit unsigned; ram= also takes binary K/M/G suffixes.</summary>
public class TraceNumberTests
{
    [Theory]
    [InlineData("0", 0UL)]
    [InlineData("4096", 4096UL)]
    [InlineData("0x1000", 0x1000UL)]
    [InlineData("0X1000", 0x1000UL)]
    [InlineData("0xABCdef", 0xabcdefUL)]
    [InlineData("007", 7UL)]
    [InlineData("0x0000000000000000001", 1UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    [InlineData("0xffffffffffffffff", ulong.MaxValue)]
    public void Numbers_are_decimal_or_hex_and_64_bit(string text, ulong value)
    {
        var s = One($"H_PUT_TCE liobn=1 ioba={text} tce=0");
        Assert.Equal(value, s.Number("ioba"));
        Assert.Equal(text, s["ioba"].Raw);
        Assert.Equal(TraceValueKind.Number, s["ioba"].Kind);
    }

    [Theory]
    [InlineData("1K", 1024UL)]
    [InlineData("1M", 1024UL * 1024)]
    [InlineData("2G", 2UL << 30)]
    [InlineData("0x10M", 16UL << 20)]
    [InlineData("2147483648", 2UL << 30)]
    [InlineData("0x80000000", 2UL << 30)]
    [InlineData("17179869183G", 17179869183UL << 30)]
    public void Ram_takes_binary_K_M_G_suffixes(string text, ulong bytes)
    {
        var s = One($"vm name=g ram={text}");
        Assert.Equal(bytes, s.Number("ram"));
        Assert.Equal(text, s["ram"].Raw);
        Assert.Equal(TraceValueKind.Size, s["ram"].Kind);
    }

    [Fact]
    public void Ram_echoes_as_hex_bytes_not_the_suffix() =>
        Assert.Equal("vm name=g ram=0x80000000", Echo("vm name=g ram=2G"));

    [Theory]
    [InlineData("1", new ulong[] { 1 })]
    [InlineData("1,2", new ulong[] { 1, 2 })]
    [InlineData("0x1003,4099,0xffffffffffffffff", new ulong[] { 0x1003, 4099, ulong.MaxValue })]
    public void Comma_lists_parse_to_numbers_in_order(string text, ulong[] values)
    {
        var s = One($"container host=h0 id=c0 groups={text}");
        Assert.Equal(values, s.Numbers("groups"));
        Assert.Equal(text, s["groups"].Raw);
    }

    [Fact]
    public void Number_lists_echo_each_number_in_hex() =>
        Assert.Equal("poke gpa=0x0 be64=0x1,0xa,0x1003", Echo("poke gpa=0 be64=1,10,0x1003"));
}
