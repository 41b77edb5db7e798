using Fabric.Hosting.Replay;
using Fabric.Tests.Support;

namespace Fabric.Tests.Replay;

/// <summary><c>--until SEQ|TIME</c>: the state at a point of the journal.</summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplayUntilTests(ReplayFixture fixture)
{
    private Task<string> Quickstart() => fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "quickstart.trace"));

    private static long Mapped(ReplayResult r, ulong liobn) => r.State.Hosts["h0"].Tables[("g", liobn)].Table.View.NonZeroEntries;

    [Fact]
    public async Task Until_a_row_shows_the_state_after_it_and_nothing_later()
    {
        var journal = await Quickstart();
        // tce/h0/g/0x1: #1 the link, #2 the map of ioba 0x2000, #3 its unmap.
        var unmap = ReplayFixture.Ordering(journal, "tce/h0/g/0x1", 3);

        var before = await fixture.State(journal, new ReplayOptions { Until = ReplayLimit.AtOrdering(unmap - 1) });
        var at = await fixture.State(journal, new ReplayOptions { Until = ReplayLimit.AtOrdering(unmap) });

        Assert.Equal(1, Mapped(before, 0x1));
        Assert.Equal(unmap - 1, before.Reader.LastOrdering);
        Assert.Equal(2, before.State.Dmas);
        Assert.Equal(0, Mapped(at, 0x1));
        Assert.Equal(unmap, at.Reader.LastOrdering);
        Assert.Equal(4, at.State.Calls);
    }

    [Fact]
    public async Task Until_a_time_stops_before_the_first_row_written_after_it()
    {
        var journal = await Quickstart();
        var unmap = ReplayFixture.Ordering(journal, "tce/h0/g/0x1", 3);
        var rows = await fixture.State(journal, new ReplayOptions { Until = ReplayLimit.AtOrdering(unmap) });
        var before = await fixture.State(journal, new ReplayOptions { Until = ReplayLimit.AtOrdering(unmap - 1) });
        var unmapTime = rows.Reader.LastTime!.Value;
        Assert.True(before.Reader.LastTime < unmapTime, "the unmap was journaled in the same tick as the row before it");

        var justBefore = await fixture.State(journal, new ReplayOptions { Until = ReplayLimit.AtTime(unmapTime.AddTicks(-1)) });
        var exactly = await fixture.State(journal, new ReplayOptions { Until = ReplayLimit.AtTime(unmapTime) });

        Assert.Equal((unmap - 1, 1L), (justBefore.Reader.LastOrdering, Mapped(justBefore, 0x1)));
        Assert.Equal((unmap, 0L), (exactly.Reader.LastOrdering, Mapped(exactly, 0x1)));
    }

    [Fact]
    public async Task Until_is_printed_with_the_summary_and_row_0_is_the_empty_state()
    {
        var journal = await Quickstart();

        var run = await fixture.Replay(journal, new ReplayOptions { Until = ReplayLimit.AtOrdering(0) });

        Assert.Equal(0, run.Exit);
        Assert.Equal(["until row 0", "rows none"], run.OutLines[1..3]);
        Assert.Contains("calls 0 (0 TCEs written)", run.OutLines);
    }

    [Theory]
    [InlineData("120", 120L, null)]
    [InlineData(" 7 ", 7L, null)]
    [InlineData("2025-11-27T16:32:04Z", null, "2025-11-27T16:32:04.0000000Z")]
    [InlineData("2025-11-27T16:32:04.5", null, "2025-11-27T16:32:04.5000000Z")]
    [InlineData("2025-11-27T17:32:04+01:00", null, "2025-11-27T16:32:04.0000000Z")]
    public void Until_takes_a_row_number_or_an_ISO_8601_time_UTC_unless_it_says_otherwise(string text, long? ordering, string? time)
    {
        Assert.True(ReplayLimit.TryParse(text, out var limit, out var error), error);
        Assert.Equal(ordering, limit.Ordering);
        Assert.Equal(time, limit.Time?.ToString("o"));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("-3")]
    [InlineData("99999999999999999999")]
    [InlineData("12:00")]
    public void Anything_else_is_refused_with_both_forms_shown(string text)
    {
        Assert.False(ReplayLimit.TryParse(text, out _, out var error));
        Assert.StartsWith($"--until {text.Trim()}:", error);
    }
}
