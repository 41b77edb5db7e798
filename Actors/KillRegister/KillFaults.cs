namespace Fabric.KillRegister;

/// <summary>What happens to one kill on its way to a register.</summary>
public enum KillFate
{
    Delivered,
    Dropped,
    Delayed,
    Duplicated,
}

/// <summary>
/// Faults on the way to the kill registers of a host (`fabric run`'s kill-drop, kill-delay and
/// kill-duplicate): each kill's fate drawn from a seeded generator per group, so one scenario
/// with one seed gives each group the same sequence of fates. Thread-safe: each group's
/// register draws from its own generator.
/// </summary>
public sealed class KillFaults(int seed, double dropRate, double delayRate, double duplicateRate, TimeSpan delay)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, Random> _byGroup = new();
    private long _dropped, _delayed, _duplicated;

    public TimeSpan Delay { get; } = delay;
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Delayed => Interlocked.Read(ref _delayed);
    public long Duplicated => Interlocked.Read(ref _duplicated);

    public KillFate Next(int group)
    {
        var random = _byGroup.GetOrAdd(group, g => new Random(HashCode.Combine(seed, g)));
        double x;
        lock (random) x = random.NextDouble();
        if (x < dropRate)
        {
            Interlocked.Increment(ref _dropped);
            return KillFate.Dropped;
        }
        if (x < dropRate + delayRate)
        {
            Interlocked.Increment(ref _delayed);
            return KillFate.Delayed;
        }
        if (x < dropRate + delayRate + duplicateRate)
        {
            Interlocked.Increment(ref _duplicated);
            return KillFate.Duplicated;
        }
        return KillFate.Delivered;
    }
}
