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

/// <summary>A device DMA as the PE performed it: journaled so replay can re-check the invariants over the whole history.</summary>
public sealed record DmaCompleted(string Host, int Group, ulong Ioba, DmaDirection Direction, DmaOutcome Outcome, ulong Hpa) : IDmaEvent;
