namespace Fabric.Persistence;

/// <summary>What happens to one write a persistent actor sends its journal.</summary>
public enum JournalFate
{
    Written,

    /// <summary>The write fails as a whole (the database refused it): Akka stops the actor after OnPersistFailure.</summary>
    Failed,

    /// <summary>The journal rejects the write's events: Akka calls OnPersistRejected and the actor goes on.</summary>
    Rejected,
}

/// <summary>
/// `fabric run`'s journal-fail fault: which writes of the TCE tables and host PEs fail. A write
/// fails with probability <c>rate</c>, or the first write after each <c>every</c> fails; each
/// failed write is a failure or a rejection, half and half. Every draw comes from a generator
/// seeded with the scenario's seed and the fault's name, so a run with the same seed fails its
/// writes in the same order. The host's own stream (its topology) is never failed: a host that
/// cannot journal stops, and every VM, table and PE with it. Thread-safe. <paramref name="elapsed"/>:
/// the time since the run began (a stopwatch started here unless given).
/// </summary>
public sealed class JournalFaults(int seed, double rate, TimeSpan every, Func<TimeSpan>? elapsed = null)
{
    private readonly Random _random = new(seed);
    private readonly Func<TimeSpan> _elapsed = elapsed ?? StartClock();

    private static Func<TimeSpan> StartClock()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        return () => clock.Elapsed;
    }
    private TimeSpan _nextDue = every;
    private long _failed, _rejected, _writes;

    public double Rate { get; } = rate;
    public TimeSpan Every { get; } = every;

    /// <summary>Writes that reached the fault (of streams it may fail).</summary>
    public long Writes => Interlocked.Read(ref _writes);
    public long Failed => Interlocked.Read(ref _failed);
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Whether the fault may fail a stream's writes: TCE tables' and host PEs'.</summary>
    public static bool Covers(string persistenceId) =>
        persistenceId.StartsWith("tce/", StringComparison.Ordinal) || persistenceId.StartsWith("pe/", StringComparison.Ordinal);

    /// <summary>The fate of the next write of <paramref name="persistenceId"/>.</summary>
    public JournalFate Next(string persistenceId)
    {
        if (!Covers(persistenceId)) return JournalFate.Written;
        Interlocked.Increment(ref _writes);
        lock (_random)
        {
            var due = false;
            var now = _elapsed();
            if (Every > TimeSpan.Zero && now >= _nextDue)
            {
                due = true;
                while (_nextDue <= now) _nextDue += Every;
            }
            if (!due && !(Rate > 0 && _random.NextDouble() < Rate)) return JournalFate.Written;
            if (_random.Next(2) == 0)
            {
                Interlocked.Increment(ref _failed);
                return JournalFate.Failed;
            }
            Interlocked.Increment(ref _rejected);
            return JournalFate.Rejected;
        }
    }
}
