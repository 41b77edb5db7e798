using Fabric.TceTable;

namespace Fabric.Tests.Core;

/// <summary>What a recovered table writes back in runs is exactly its non-zero entries, no more.</summary>
public sealed class NonZeroRunsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void runs_hold_every_non_zero_entry_once_and_stop_at_zeros_and_page_ends(int seed)
    {
        var view = new GuestTceView(0x800, 4096);
        var rnd = new Random(seed);
        for (var i = 0; i < 3000; i++) view.Set(0x800 + (ulong)rnd.Next(4096), rnd.Next(3) == 0 ? 0 : (ulong)rnd.Next(1, 1 << 20) << 12 | 3);
        // A run across a page boundary (512 entries a page) is cut there.
        for (ulong e = 0x800 + 500; e < 0x800 + 530; e++) view.Set(e, 0x5003);

        var fromRuns = new Dictionary<ulong, ulong>();
        foreach (var run in view.NonZeroRuns())
        {
            Assert.NotEmpty(run.Values);
            Assert.DoesNotContain(0UL, run.Values);
            Assert.Equal((run.FirstEntry - 0x800) / 512, (run.FirstEntry - 0x800 + (ulong)run.Values.Length - 1) / 512);
            for (var k = 0; k < run.Values.Length; k++) fromRuns.Add(run.FirstEntry + (ulong)k, run.Values[k]);
        }
        Assert.Equal(view.NonZero().ToDictionary(e => e.Entry, e => e.Value), fromRuns);
        Assert.Equal(view.NonZeroEntries, fromRuns.Count);
    }
}
