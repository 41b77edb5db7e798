namespace Fabric.Messages;

/// <summary>A pseries guest with RAM at guest physical 0, backed by host memory at HostBase.</summary>
public sealed record VmCreated(string Host, string Name, ulong RamBytes, ulong HostBase, int Vcpus) : ITopologyEvent;

/// <summary>An sPAPR PHB as QEMU builds it (BUID, default window, DDW parameters).</summary>
public sealed record PhbAdded(
    string Vm,
    int Index,
    ulong Buid,
    ulong DefaultLiobn,
    ulong DmaWindowSize,
    bool Ddw,
    ulong PageSizeMask,
    ulong Dma64WindowAddress) : ITopologyEvent;

/// <summary>The guest wrote big-endian words to its RAM (a TCE list).</summary>
public sealed record GuestRamWritten(string Vm, ulong Gpa, ulong[] Words) : ITopologyEvent;

/// <summary>A physical host: it owns the PEs, containers and VMs below it.</summary>
public sealed record HostCreated(string Name) : ITopologyEvent;

/// <summary>A host PE (one IOMMU group) appeared on a PHB of the host.</summary>
public sealed record HostPeAdded(string Host, int Group, int Phb, PeIommu Iommu = PeIommu.Ioda2) : ITopologyEvent;

/// <summary>
/// How a PE's IOMMU tables are built (its table_group's create_table): groups of different kinds
/// cannot share a container (-EPERM). None is a VFIO no-IOMMU group. X86 is a device behind an
/// x86 IOMMU (Intel VT-d): it has no sPAPR TCE tables and reaches DMA only through iommufd.
/// </summary>
public enum PeIommu
{
    Ioda2,
    Ioda1,
    None,
    X86,
}

/// <summary>
/// A VFIO container (sPAPR TCE v2) holding groups that share its hardware tables: the `container`
/// shorthand, which stands for opening each group and the container, VFIO_GROUP_SET_CONTAINER of
/// each group and VFIO_SET_IOMMU(sPAPR TCE v2) with these windows.
/// </summary>
public sealed record ContainerCreated(string Host, string Id, int[] Groups, HardwareWindow[] Windows) : ITopologyEvent;

/// <summary>Geometry of one hardware DMA window of a container (PowerNV iommu_table).</summary>
public sealed record HardwareWindow(int Index, int PageShift, ulong BusOffset, ulong Entries) : IFabricMessage;

/// <summary>KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE succeeded: the group's hardware window now mirrors the LIOBN.</summary>
public sealed record GroupBound(string Vm, ulong Liobn, int Group, string Container, int Window) : ITopologyEvent;

/// <summary>Ownership of a host PE moved: to a guest (Vm set) or back to the host (Vm null).</summary>
public sealed record PeOwnerChanged(string Host, int Group, string? Vm, ulong OwnerHostBase, ulong OwnerRamBytes) : ITopologyEvent;

/// <summary>
/// The host's actor started again from its journal (its member died and it moved, or the fabric
/// was started again on the journal): <paramref name="Incarnation"/> counts such starts (the
/// first is 0 and journals nothing). Its vCPUs put it in their call ids, so a call is never
/// numbered as one an earlier incarnation made.
/// </summary>
public sealed record HostRestarted(string Host, int Incarnation) : ITopologyEvent;
