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
public sealed class TableProgress(string vm, ulong liobn)
{
    private long _applied;
    private long _acked;

    public string Vm { get; } = vm;
    public ulong Liobn { get; } = liobn;

    public long AppliedThrough => Volatile.Read(ref _applied);
    public long AckedThrough => Volatile.Read(ref _acked);

    public void Applied(long position) => Volatile.Write(ref _applied, position);
    public void Acked(long position) => Volatile.Write(ref _acked, position);
}
