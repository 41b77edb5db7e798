using Fabric.Persistence;

namespace Fabric.Tests.Persistence;

/// <summary>The journal-fail fault's draws: seeded, at its rate or its period, never the host's stream.</summary>
public sealed class JournalFaultsTests
{
    private static JournalFate[] Fates(JournalFaults f, int n) =>
        Enumerable.Range(0, n).Select(i => f.Next(i % 2 == 0 ? "tce/h0/g/0x1" : "pe/h0/0.1")).ToArray();

    [Fact]
    public void The_same_seed_fails_the_same_writes_and_another_seed_others()
    {
        var a = Fates(new JournalFaults(7, 0.05, TimeSpan.Zero), 4000);
        Assert.Equal(a, Fates(new JournalFaults(7, 0.05, TimeSpan.Zero), 4000));
        Assert.NotEqual(a, Fates(new JournalFaults(8, 0.05, TimeSpan.Zero), 4000));
    }

    [Fact]
    public void About_rate_of_the_writes_fail_and_both_failures_and_rejections_occur()
    {
        var f = new JournalFaults(1, 0.05, TimeSpan.Zero);
        var fates = Fates(f, 20_000);
        Assert.InRange(fates.Count(x => x != JournalFate.Written), 800, 1200);
        Assert.True(f.Failed > 300 && f.Rejected > 300, $"{f.Failed} failed, {f.Rejected} rejected");
        Assert.Equal(20_000, f.Writes);
        Assert.Equal(f.Failed + f.Rejected, fates.Count(x => x != JournalFate.Written));
    }

    [Fact]
    public void The_hosts_stream_is_never_failed()
    {
        var f = new JournalFaults(1, 1.0, TimeSpan.Zero);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(JournalFate.Written, f.Next("host/h0")));
        Assert.Equal(0, f.Writes);
        Assert.NotEqual(JournalFate.Written, f.Next("tce/h0/g/0x1"));
    }

    [Fact]
    public void With_a_period_the_first_write_after_each_period_fails_and_the_others_pass()
    {
        var now = TimeSpan.Zero;
        var f = new JournalFaults(1, 0, TimeSpan.FromMilliseconds(200), () => now);
        Assert.Equal(JournalFate.Written, f.Next("tce/h0/g/0x1"));
        now = TimeSpan.FromMilliseconds(300);
        Assert.NotEqual(JournalFate.Written, f.Next("tce/h0/g/0x1"));
        Assert.Equal(JournalFate.Written, f.Next("tce/h0/g/0x1"));
    }
}
