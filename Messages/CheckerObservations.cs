namespace Fabric.Messages;

/// <summary>What the invariant checker is told. It sees facts, never the caches or the kill path.</summary>
public interface ICheckerObservation : IFabricMessage;

public sealed record VmObserved(string Vm, ulong HostBase, ulong RamBytes) : ICheckerObservation;

public sealed record TableObserved(string Vm, ulong Liobn, int PageShift, ulong Offset, ulong Size) : ICheckerObservation;

/// <summary>The LIOBN's window was removed: its table translates nothing any more.</summary>
public sealed record TableRemovedObserved(string Vm, ulong Liobn) : ICheckerObservation;

/// <summary>The group's DMA may use the LIOBN's translations (the PE is the guest's).</summary>
public sealed record GroupLinkObserved(string Host, int Group, string Vm, ulong Liobn, bool Linked) : ICheckerObservation;

/// <summary>A table changed its view for a call not yet acknowledged.</summary>
public sealed record CallApplied(string Vm, ulong Liobn, long CallId, IHypercall Call, TceWrite[] Writes) : ICheckerObservation;

/// <summary>The guest is being told the result of the call.</summary>
public sealed record CallAcknowledged(string Vm, long CallId) : ICheckerObservation;

public sealed record DmaObserved(string Host, int Group, ulong Ioba, DmaDirection Direction, DmaResult Result) : ICheckerObservation;

/// <summary>A table recovered its view from the journal: every entry in it was acknowledged before.</summary>
public sealed record ViewRestored(string Vm, ulong Liobn, TceWrite[] Runs) : ICheckerObservation;

/// <summary>The call failed after the table applied it (its journal write failed): its writes never happened.</summary>
public sealed record CallAbandoned(string Vm, long CallId) : ICheckerObservation;
