namespace Fabric.Messages;

public enum DmaDirection
{
    /// <summary>The device reads memory (to device): needs TCE_PCI_READ.</summary>
    Read = 1,

    /// <summary>The device writes memory (from device): needs TCE_PCI_WRITE.</summary>
    Write = 2,
}

public enum DmaOutcome
{
    Ok = 0,
    Fault = 1,
    Frozen = 2,
}

/// <summary>A device behind a host PE issues one DMA to a bus address.</summary>
public sealed record DmaRequest(ulong Ioba, DmaDirection Direction) : IFabricMessage;

/// <summary>Where the DMA landed (host physical) or why it did not.</summary>
public sealed record DmaResult(DmaOutcome Outcome, ulong Hpa) : IFabricMessage;

/// <summary>
/// A device DMA as the PE performed it: journaled so replay can re-check the invariants over the
/// whole history. <paramref name="Views"/>: for each TCE table that writes the hardware window the
/// DMA went through, how far that table had got when the DMA translated; a DMA's row and the rows
/// of the calls it raced with can land in either order, so replay judges the DMA by these, not by
/// where its row falls (docs/replay.md). Empty when the bus address is in no window.
/// </summary>
public sealed record DmaCompleted(string Host, int Group, ulong Ioba, DmaDirection Direction, DmaOutcome Outcome, ulong Hpa, DmaView[]? Views = null) : IDmaEvent;

/// <summary>
/// One TCE table's progress as a DMA saw it, in positions: the n-th call the table journals is
/// position n. Calls up to <paramref name="AckedThrough"/> had all been answered to the guest
/// before the DMA translated; calls up to <paramref name="AppliedThrough"/> may have reached the
/// hardware by the time it had. The calls in between were in flight.
/// </summary>
public sealed record DmaView(string Vm, ulong Liobn, long AckedThrough, long AppliedThrough) : IFabricMessage;
