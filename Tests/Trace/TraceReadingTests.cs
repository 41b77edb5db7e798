using Fabric.Hosting.Trace;
using Xunit;
using static Fabric.Tests.Trace.TraceTestKit;

namespace Fabric.Tests.Trace;

/// <summary>Eager and lazy reading, files, single lines, and reading values back from a statement.</summary>
public class TraceReadingTests
{
    private const string StopsAtLine3 = "host name=h0\npe host=h0 id=1\nH_PUT_TC liobn=1\nhost name=h1\n";

    [Fact]
    public void Lazy_reading_yields_the_statements_before_a_bad_line_then_throws()
    {
        var seen = new List<string>();
        var ex = Assert.Throws<TraceFormatException>(() =>
        {
            foreach (var s in TraceParser.ReadText("r.trace", StopsAtLine3))
            {
                seen.Add(s.Verb);
            }
        });
        Assert.Equal(["host", "pe"], seen);
        Assert.Equal(3, ex.Error.Line);
    }

    [Fact]
    public void Eager_parsing_throws_before_returning_any_statement() =>
        Assert.Equal(3, Assert.Throws<TraceFormatException>(() => TraceParser.ParseText("r.trace", StopsAtLine3)).Error.Line);

    [Fact]
    public void Parse_of_a_file_names_it_as_given_in_errors()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-trace-");
        try
        {
            var path = Path.Combine(dir.FullName, "q.trace");
            File.WriteAllText(path, "vm name=g ram=2G\nH_PUT_TCE liobn=1 ioba=1\n");
            var ex = Assert.Throws<TraceFormatException>(() => TraceParser.Parse(path));
            Assert.Equal($"{path}:2: H_PUT_TCE needs tce= (the TCE value, e.g. tce=0x1003)", ex.Message);

            File.WriteAllText(path, "\uFEFFvm name=g ram=2G\r\nphb index=1\r\n");
            Assert.Equal(["vm", "phb"], TraceParser.Parse(path).Select(s => s.Verb));
            Assert.Equal(2, TraceParser.Read(path).Count());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Parse_line_returns_null_for_blank_and_comment_lines()
    {
        Assert.Null(TraceParser.ParseLine("l.trace", 1, ""));
        Assert.Null(TraceParser.ParseLine("l.trace", 2, "   # nothing"));
        Assert.Equal(9, TraceParser.ParseLine("l.trace", 9, "host name=h0")!.Line);
    }

    [Fact]
    public void Try_parse_line_reports_errors_without_throwing()
    {
        Assert.False(TraceParser.TryParseLine("l.trace", 4, "host", out var statement, out var error));
        Assert.Null(statement);
        Assert.Equal("l.trace:4: host needs name= (the host's name, e.g. name=h0)", error!.Text);
        Assert.True(TraceParser.TryParseLine("l.trace", 5, "host name=h0", out statement, out error));
        Assert.NotNull(statement);
        Assert.Null(error);
    }

    [Fact]
    public void Statement_gives_its_values_by_key()
    {
        var s = One("container host=h0 id=c0 groups=1,2 page_shift=16");
        Assert.Equal("container", s.Verb);
        Assert.Equal(TraceVerbKind.Setup, s.Kind);
        Assert.Equal("h0", s.Word("host"));
        Assert.Equal("c0", s.Word("id"));
        Assert.Equal([1UL, 2UL], s.Numbers("groups"));
        Assert.Equal(16UL, s.Number("page_shift"));
        Assert.Equal(16UL, s.NumberOr("page_shift", 12));
        Assert.Equal(0UL, s.NumberOr("bus_offset", 0));
        Assert.True(s.Has("groups"));
        Assert.False(s.Has("window_size"));
        Assert.Null(s.Find("window_size"));
        Assert.Null(s.WordOrNull("nope"));
        Assert.Equal("16", s["page_shift"].Raw);
    }

    [Fact]
    public void Reading_a_value_as_the_wrong_kind_or_a_missing_key_throws()
    {
        var s = One("DMA host=h0 pe=1 ioba=0x1000 dir=read");
        Assert.Throws<InvalidOperationException>(() => s["dir"].Number);
        Assert.Throws<InvalidOperationException>(() => s["pe"].Word);
        Assert.Throws<InvalidOperationException>(() => s["pe"].Numbers);
        Assert.Throws<KeyNotFoundException>(() => s.Number("vm"));
    }

    [Fact]
    public void Statement_errors_carry_its_location()
    {
        var s = Assert.Single(TraceParser.ParseText("two.trace", "\nphb index=1"));
        Assert.Equal("two.trace:2: phb needs vm= here: the trace declares two VMs", s.Error("phb needs vm= here: the trace declares two VMs").Text);
    }
}
