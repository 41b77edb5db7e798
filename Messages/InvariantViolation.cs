namespace Fabric.Messages;

public enum InvariantKind
{
    /// <summary>A DMA reached memory that is not mapped for the PE owner's guest with the needed permission.</summary>
    Isolation = 1,

    /// <summary>A DMA went through a translation that an acknowledged call had already changed (a stale TCE cache entry).</summary>
    Coherence = 2,

    /// <summary>The host PEs of a guest PE were in different states once it had settled (seed 003's half-frozen PE).</summary>
    EehApart = 3,

    /// <summary>A DMA completed on a host PE while its guest PE was frozen.</summary>
    EehFrozenDma = 4,
}

/// <summary>One broken invariant, with the DMA that showed it and the guest call that made it wrong.</summary>
public sealed record InvariantViolation(
    InvariantKind Kind,
    string Host,
    int Group,
    ulong Ioba,
    DmaDirection Direction,
    ulong Hpa,
    string Detail,
    long CallId,
    IHypercall? Call) : IFabricMessage
{
    public override string ToString() =>
        Kind == InvariantKind.EehApart
            ? $"eeh violation: {Detail}"
            : $"{(Kind == InvariantKind.EehFrozenDma ? "eeh" : Kind.ToString().ToLowerInvariant())} violation: DMA {Direction.ToString().ToLowerInvariant()} by {Host} pe {Group} at ioba=0x{Ioba:x} reached hpa=0x{Hpa:x}: {Detail}" +
              (Call is null ? "" : $" (call #{CallId}: {Call})");
}
