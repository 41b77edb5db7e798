namespace Fabric.Hosting.Scenario;

/// <summary>
/// Latencies in buckets of a quarter power of two (about 19% wide) from 100 ns up, counted
/// without locks: vCPUs record from their own threads. Percentiles are a bucket's upper bound.
/// </summary>
public sealed class LatencyHistogram
{
    public const int Buckets = 100;
    private const double FirstNs = 100;
    private readonly long[] _counts = new long[Buckets];

    public void Record(double nanoseconds) => Interlocked.Increment(ref _counts[Bucket(nanoseconds)]);

    public long Count => _counts.Sum();

    public static int Bucket(double ns) =>
        ns <= FirstNs ? 0 : Math.Min(Buckets - 1, (int)Math.Ceiling(4 * Math.Log2(ns / FirstNs)));

    /// <summary>The upper bound of bucket <paramref name="b"/>, in nanoseconds.</summary>
    public static double UpperNs(int b) => FirstNs * Math.Pow(2, b / 4.0);

    public long this[int bucket] => Interlocked.Read(ref _counts[bucket]);

    /// <summary>The latency below which <paramref name="p"/> (0..1) of the samples fall, or null with none.</summary>
    public TimeSpan? Percentile(double p)
    {
        var total = Count;
        if (total == 0) return null;
        var target = (long)Math.Ceiling(p * total);
        long seen = 0;
        for (var b = 0; b < Buckets; b++)
        {
            seen += this[b];
            if (seen >= Math.Max(1, target)) return TimeSpan.FromTicks((long)(UpperNs(b) / 100));
        }
        return TimeSpan.FromTicks((long)(UpperNs(Buckets - 1) / 100));
    }
}
