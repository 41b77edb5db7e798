using System.Collections.Immutable;
using Fabric.Messages;

namespace Fabric.Container;

/// <summary>
/// How far one TCE table has got, in positions (the n-th call it journals is position n),
/// published in host memory beside the hardware windows it writes, so a DMA engine can note it
/// in the DMA's record. The table raises <see cref="AppliedThrough"/> before it writes the
/// hardware for a call, and <see cref="AckedThrough"/> (every call up to it answered) before the
/// answer leaves, so a DMA that reads acked-through before translating and applied-through after
/// brackets the calls that were in flight while it did.
/// </summary>
/// <remarks>
/// One object serves every incarnation of a table (its VM keeps it), so while a crashed table
/// recovers, a DMA through a cache the crash has not been killed from yet still names the calls
/// the crashed incarnation had in flight, and the calls it applied but never journaled are
/// handed over (<see cref="HandOver"/>) for the next incarnation to record (TableCallsLost).
/// </remarks>
public sealed class TableProgress(string vm, ulong liobn)
{
    private long _applied;
    private long _acked;
    private LostCalls? _lost;

    public string Vm { get; } = vm;
    public ulong Liobn { get; } = liobn;

    public long AppliedThrough => Volatile.Read(ref _applied);
    public long AckedThrough => Volatile.Read(ref _acked);

    public void Applied(long position) => Volatile.Write(ref _applied, position);
    public void Acked(long position) => Volatile.Write(ref _acked, position);

    /// <summary>What failed incarnations handed over and no incarnation has journaled yet.</summary>
    public LostCalls? HandedOver => Volatile.Read(ref _lost);

    /// <summary>
    /// A failing incarnation gave positions up to <paramref name="through"/> and had not
    /// journaled <paramref name="unjournaled"/>; added to what an earlier failure handed over, if
    /// that one has not been journaled yet.
    /// </summary>
    public void HandOver(long through, IEnumerable<(long Position, HcallHandled Call)> unjournaled) =>
        ImmutableInterlocked.Update(ref _lost, old => old is null
            ? new LostCalls(through, unjournaled.ToImmutableSortedDictionary(c => c.Position, c => c.Call))
            : new LostCalls(Math.Max(old.Through, through), old.Calls.SetItems(unjournaled.Select(c => KeyValuePair.Create(c.Position, c.Call)))));

    /// <summary>The next incarnation journaled <paramref name="lost"/>: nothing is owed unless another failure came since.</summary>
    public void Recorded(LostCalls lost) => Interlocked.CompareExchange(ref _lost, null, lost);
}

/// <summary>Positions handed out through <paramref name="Through"/>, and the calls that held those not journaled, by position.</summary>
public sealed record LostCalls(long Through, ImmutableSortedDictionary<long, HcallHandled> Calls);
