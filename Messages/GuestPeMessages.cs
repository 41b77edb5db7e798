namespace Fabric.Messages;

/// <summary>
/// `guest-pe`: one guest PE backed by several host PEs (IOMMU groups), which Fabric keeps in one
/// EEH state (spec papr-tce.md section 5; seed 003's "really, really hairy" case).
/// </summary>
public sealed record DefineGuestPe(string Vm, int Id, int[] Groups) : IHostCommand;

/// <summary>The guest PE exists, over these host PEs.</summary>
public sealed record GuestPeDefined(string Host, string Vm, int Id, int[] Groups) : ITopologyEvent;

/// <summary>A host PE's EEH state changed; <paramref name="BySiblings"/> when its guest PE asked for it.</summary>
public sealed record HostPeEehReported(int Group, HostPeEeh State, bool BySiblings) : IFabricMessage;

/// <summary>
/// What the guest sees of a freeze: one EEH event per episode (a freeze of any of its host PEs
/// until every one is thawed), with its serial number, the host PE that froze first, and how
/// long the freeze took to reach every host PE.
/// </summary>
public sealed record GuestEehEvent(string Host, string Vm, int GuestPe, long Serial, int FirstGroup, long SpreadMicroseconds) : IFabricMessage;

/// <summary>Asks a guest PE for its EEH events so far and its host PEs' states.</summary>
public sealed record GetGuestPeReport(string Vm, int Id) : IHostCommand;

public sealed record GuestPeReport(GuestEehEvent[] Events, string[] States) : IFabricMessage;
