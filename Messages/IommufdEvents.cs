namespace Fabric.Messages;

/// <summary>Changes of the iommufd state of a host: IOASes, their windows and mappings, attached devices.</summary>
public interface IIommufdEvent : ITopologyEvent;

public sealed record IoasAllocated(string Host, uint Ioas) : IIommufdEvent;

/// <summary>The IOAS is gone, with its windows and mappings (no device was attached to it).</summary>
public sealed record IoasDestroyed(string Host, uint Ioas) : IIommufdEvent;

public sealed record IoasWindowCreated(string Host, uint Ioas, ulong Base, ulong Size, ulong PageSize) : IIommufdEvent;

/// <summary>The window at Base is gone; the unmaps of the mappings it held come before this event.</summary>
public sealed record IoasWindowRemoved(string Host, uint Ioas, ulong Base) : IIommufdEvent;

/// <summary>One area: [Iova, Iova+Length) maps the caller's memory from UserVa, readable and/or writeable by devices.</summary>
public sealed record IoasMapped(string Host, uint Ioas, ulong Iova, ulong Length, ulong UserVa, bool Readable, bool Writeable) : IIommufdEvent;

/// <summary>The area at Iova (exactly Length bytes) is unmapped.</summary>
public sealed record IoasUnmapped(string Host, uint Ioas, ulong Iova, ulong Length) : IIommufdEvent;

/// <summary>The ranges automatic iovas may come from now (empty: anywhere).</summary>
public sealed record IoasIovasAllowed(string Host, uint Ioas, IovaRange[] Ranges) : IIommufdEvent;

/// <summary>The selftest's reserved range (IOMMU_TEST_OP_ADD_RESERVED).</summary>
public sealed record IoasReserved(string Host, uint Ioas, ulong Start, ulong Last) : IIommufdEvent;

/// <summary>The PE's device is attached to the IOAS, through a domain of its IOMMU (Iommu says which hardware).</summary>
public sealed record IoasAttached(string Host, int Group, uint Ioas, PeIommu Iommu) : IIommufdEvent;

/// <summary>The PE's device moved from one IOAS's domain to another's, attached throughout.</summary>
public sealed record IoasReplaced(string Host, int Group, uint From, uint To) : IIommufdEvent;

public sealed record IoasDetached(string Host, int Group, uint Ioas) : IIommufdEvent;

/// <summary>The checker learns of a change of an IOAS, its windows, mappings or devices, as the host applies it.</summary>
public sealed record IoasChangeObserved(string Host, IIommufdEvent Change) : ICheckerObservation;

/// <summary>
/// A DMA of a device attached to an IOAS, as its domain translated it: the domain was the IOAS's
/// mappings after its Generation-th change of mappings (each area mapped or unmapped is one).
/// </summary>
public sealed record IoasDmaObserved(string Host, int Group, ulong Iova, DmaDirection Direction, DmaResult Result, uint Ioas, long Generation) : ICheckerObservation;

/// <summary>The same DMA in the PE's journal, so replay judges it again.</summary>
public sealed record IoasDmaCompleted(string Host, int Group, ulong Iova, DmaDirection Direction, DmaOutcome Outcome, ulong Hpa, uint Ioas, long Generation) : IDmaEvent;
