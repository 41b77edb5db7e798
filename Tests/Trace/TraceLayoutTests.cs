using Fabric.Hosting.Trace;
using Xunit;
using static Fabric.Tests.Trace.TraceTestKit;

namespace Fabric.Tests.Trace;

/// <summary>Lines, comments, blanks and separators.</summary>
public class TraceLayoutTests
{
    [Fact]
    public void Comments_and_blank_lines_are_skipped_and_lines_keep_their_numbers()
    {
        const string text = """
            # a comment line

            vm name=g ram=2G   # a trailing comment
               # indented comment
            phb vm=g index=1
            #H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003

            H_GET_TCE liobn=0x80000100 ioba=0x1000#no space before it
            """;
        var statements = TraceParser.ParseText("c.trace", text);
        Assert.Equal(["vm", "phb", "H_GET_TCE"], statements.Select(s => s.Verb));
        Assert.Equal([3, 5, 8], statements.Select(s => s.Line));
        Assert.All(statements, s => Assert.Equal("c.trace", s.File));
        Assert.Equal("c.trace:8", statements[2].Location);
        Assert.Equal("H_GET_TCE liobn=0x80000100 ioba=0x1000", TraceOutput.Echo(statements[2]));
    }

    [Fact]
    public void An_empty_or_comment_only_trace_has_no_statements()
    {
        Assert.Empty(TraceParser.ParseText("e.trace", ""));
        Assert.Empty(TraceParser.ParseText("e.trace", "\n\n   \t\n# only comments\n"));
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\n")]
    [InlineData("\r")]
    public void Any_line_end_is_accepted(string eol)
    {
        var statements = TraceParser.ParseText("x.trace", $"host name=h0{eol}{eol}pe host=h0 id=1{eol}");
        Assert.Equal([1, 3], statements.Select(s => s.Line));
        Assert.Equal("h0", statements[0].Word("name"));
    }

    [Fact]
    public void Runs_of_spaces_and_tabs_separate_tokens() =>
        Assert.Equal("H_PUT_TCE liobn=0x1 ioba=0x2 tce=0x3", Echo("  H_PUT_TCE \t liobn=1    ioba=2\ttce=3  "));

    [Fact]
    public void A_hash_inside_a_value_starts_the_comment() =>
        Assert.Equal("host name=h0", Echo("host name=h0#1"));
}
