using System.Diagnostics;
using Fabric.Hosting.Trace;
using Xunit;
using static Fabric.Tests.Trace.TraceTestKit;

namespace Fabric.Tests.Trace;

/// <summary>No line-length limit, and parsing stays linear in the line's length.</summary>
public class TraceLongLineTests
{
    private static ulong[] Words(int count) =>
        Enumerable.Range(0, count).Select(i => ((ulong)i << 12) | 0x8000000000000003UL).ToArray();

    [Fact]
    public void A_poke_of_a_whole_512_entry_tce_list_round_trips()
    {
        var words = Words(512);
        var line = $"poke vm=g gpa=0x10000 be64={string.Join(',', words.Select(w => $"0x{w:x}"))}";
        Assert.True(line.Length > 5 * 1024);

        var s = One(line);

        Assert.Equal(words, s.Numbers("be64"));
        Assert.Equal(line, TraceOutput.Echo(s));
    }

    [Fact]
    public void A_poke_given_in_decimal_echoes_in_hex()
    {
        var words = Words(512);
        var s = One($"poke gpa=65536 be64={string.Join(',', words)}");
        Assert.Equal($"poke gpa=0x10000 be64={string.Join(',', words.Select(w => $"0x{w:x}"))}", TraceOutput.Echo(s));
    }

    [Fact]
    public void A_line_of_200000_words_parses_in_linear_time()
    {
        var words = Words(200_000);
        var line = $"poke gpa=0 be64={string.Join(',', words)}";
        var clock = Stopwatch.StartNew();

        var s = One(line);

        Assert.Equal(words.Length, s.Numbers("be64").Count);
        Assert.Equal(words[^1], s.Numbers("be64")[^1]);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"parsing {line.Length} chars took {clock.Elapsed}");
    }

    [Fact]
    public void An_error_late_in_a_long_line_is_found_and_quoted_short()
    {
        var line = $"poke gpa=0 be64={string.Join(',', Words(512))},zz";
        var error = ErrorOf(line);
        Assert.Equal("poke be64= item 513 ('zz') is not a number; write decimal or 0x hex numbers separated by single commas with no spaces, e.g. be64=0x1003,0x2003", error.Message);
    }

    [Fact]
    public void A_huge_unknown_token_is_quoted_cut_short()
    {
        var error = ErrorOf($"H_GET_TCE liobn=1 ioba=1 {new string('x', 10_000)}=1");
        Assert.StartsWith("q.trace:1: H_GET_TCE has no key 'xxxx", error.Text);
        Assert.True(error.Text.Length < 300, error.Text);
        Assert.Contains("...'", error.Text);
    }
}
