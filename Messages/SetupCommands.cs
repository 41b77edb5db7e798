namespace Fabric.Messages;

/// <summary>
/// The answer to a setup command or an ioctl: 0, or the errno the kernel would return. Value is
/// what a successful call returns besides 0 (the fd an open or VFIO_GROUP_GET_DEVICE_FD gives,
/// the IOMMU group id).
/// </summary>
public sealed record SetupResult(Errno Error, string Detail, long Value = 0) : IFabricMessage
{
    public static readonly SetupResult Ok = new(Errno.None, "");
    public bool Succeeded => Error == Errno.None;
    public static SetupResult Fail(Errno e, string detail) => new(e, detail);
    public static SetupResult Returned(long value) => new(Errno.None, "", value);

    /// <summary>What the caller sees: the value on success, -errno on failure.</summary>
    public long Ret => Succeeded ? Value : -(long)Error;
}

/// <summary>Host commands: the VFIO topology and the guests of one physical host.</summary>
public interface IHostCommand : IFabricMessage;

/// <summary>A guest; Binding is its LIOBN binding design (HostDefault: the host's fabric.kvm.liobn-binding).</summary>
public sealed record CreateVm(string Name, ulong RamBytes, int Vcpus, LiobnBinding Binding = LiobnBinding.HostDefault) : IHostCommand;

/// <summary>An sPAPR PHB as QEMU builds it; its default window is a userspace (QEMU) table.</summary>
public sealed record AddPhb(string Vm, int Index, bool Ddw, ulong PageSizeMask, ulong DmaWindowSize, ulong Dma64WindowAddress) : IHostCommand
{
    public const ulong BuidBase = 0x800000020000000UL;
    public const ulong DefaultWindowSize = 1UL << 30;
    public const ulong DefaultPageSizeMask = 0x107;
    public const ulong DefaultDma64WindowAddress = 1UL << 59;

    public ulong Buid => BuidBase + (ulong)Index;

    /// <summary>SPAPR_PCI_LIOBN(phb, window) = 0x80000000 | phb &lt;&lt; 8 | window.</summary>
    public static ulong Liobn(int index, int window) => 0x80000000UL | ((ulong)(uint)index << 8) | (uint)window;
}

/// <summary>KVM_CREATE_SPAPR_TCE_64 (offset and size in TCE pages).</summary>
public sealed record CreateTceTable(string Vm, ulong Liobn, int PageShift, ulong Offset, ulong Size, uint Flags) : IHostCommand;

/// <summary>The guest stores big-endian words in its RAM.</summary>
public sealed record PokeGuestRam(string Vm, ulong Gpa, ulong[] Words) : IHostCommand;

/// <summary>A host PE; Iommu says how its IOMMU tables are built (a no-IOMMU group has none).</summary>
public sealed record AddHostPe(int Group, int Phb, PeIommu Iommu = PeIommu.Ioda2) : IHostCommand;

/// <summary>A VFIO sPAPR TCE v2 container with its groups and hardware windows.</summary>
public sealed record CreateContainer(string Id, int[] Groups, HardwareWindow[] Windows) : IHostCommand;

/// <summary>KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE: link the group's hardware table to the LIOBN's table.</summary>
public sealed record BindGroupToLiobn(string Vm, ulong Liobn, int Group) : IHostCommand;

/// <summary>A device behind a host PE issues one DMA.</summary>
public sealed record DeviceDma(int Group, ulong Ioba, DmaDirection Direction) : IHostCommand;

/// <summary>Ask a vCPU of a VM to make one hypercall; the answer is an <see cref="HcallResult"/>.</summary>
/// <param name="Tag">Given back in the answer's <see cref="HcallResult.Tag"/>: how a call of an <see cref="HcallBatch"/> finds its caller (0: none).</param>
public sealed record RunHcall(string Vm, int Vcpu, IHypercall Call, long Tag = 0) : IHostCommand;

/// <summary>Every invariant violation seen so far on this host, and how much was checked.</summary>
public sealed record GetInvariantReport : IHostCommand
{
    public static readonly GetInvariantReport Instance = new();
}

public sealed record InvariantReport(InvariantViolation[] Violations, long DmasChecked, long CallsAcknowledged) : IFabricMessage;
