namespace Fabric.Messages;

/// <summary>
/// `guest-pe`: one guest PE backed by several host PEs (IOMMU groups), which Fabric keeps in one
/// EEH state (spec papr-tce.md section 5; seed 003's "really, really hairy" case).
/// </summary>
/// <param name="Design">How it answers the guest's EEH calls; null: the host's fabric.eeh.guest-pe.</param>
/// <param name="Phb">
/// The index of the VM's PHB whose PE it is (QEMU: a PHB's VFIO container is its one PE), so the
/// guest addresses it by that PHB's BUID, 0x800000020000000 + index; null: the guest PE's id.
/// </param>
/// <param name="Bus">The guest PCI bus of its devices: one per host PE, in the order of <paramref name="Groups"/>, at slot 0, 1, ... function 0.</param>
public sealed record DefineGuestPe(string Vm, int Id, int[] Groups, GuestPeDesign? Design = null, int? Phb = null, uint Bus = 0) : IHostCommand;

/// <summary>The guest PE exists, over these host PEs, with the design it was given or the host's default, at its PHB (null: its id) and bus.</summary>
public sealed record GuestPeDefined(string Host, string Vm, int Id, int[] Groups, GuestPeDesign Design = GuestPeDesign.Converge, int? Phb = null, uint Bus = 0) : ITopologyEvent;

/// <summary>How a guest PE over several host PEs answers EEH (`guest-pe eeh=`, fabric.eeh.guest-pe).</summary>
public enum GuestPeDesign
{
    /// <summary>
    /// QEMU's: EEH only when the PHB's container holds exactly one group
    /// (vfio_eeh_container_ok); with more, every EEH call is a parameter error.
    /// </summary>
    Qemu = 1,

    /// <summary>Fabric's: every step runs on every host PE, and they end in one state.</summary>
    Converge = 2,
}

/// <summary>
/// A host PE's EEH state changed; <paramref name="BySiblings"/> when its guest PE asked for it
/// (a freeze spreading, a recovery step, a fence), so it is no new fault.
/// </summary>
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
