namespace Fabric.Messages;

/// <summary>
/// The iommufd ioctls of one host (/dev/iommu; include/uapi/linux/iommufd.h), with the IOVA windows
/// seed 003 proposes (CREATE_WINDOW, REMOVE_WINDOW). Objects are named by the id the kernel gave
/// them (the lowest free from 1, as xa_alloc over XA_FLAGS_ALLOC1 gives); a device is named by the
/// IOMMU group of its host PE (what VFIO_DEVICE_BIND_IOMMUFD would bind).
/// </summary>
public interface IIommufdCommand : IHostCommand;

/// <summary>IOMMU_IOAS_MAP / IOMMU_IOAS_COPY flags.</summary>
public static class IoasMapFlags
{
    public const uint FixedIova = 1;
    public const uint Writeable = 2;
    public const uint Readable = 4;
    public const uint Known = FixedIova | Writeable | Readable;
}

/// <summary>struct iommu_iova_range: the inclusive range [Start, Last].</summary>
public sealed record IovaRange(ulong Start, ulong Last) : IFabricMessage
{
    public bool Overlaps(ulong start, ulong last) => Start <= last && start <= Last;

    public override string ToString() => $"0x{Start:x}..0x{Last:x}";
}

/// <summary>IOMMU_IOAS_ALLOC {size, flags, out_ioas_id}: answers the new IOAS's id.</summary>
public sealed record AllocIoas(uint Flags = 0) : IIommufdCommand;

/// <summary>IOMMU_DESTROY {size, id} of an IOAS.</summary>
public sealed record DestroyIoas(uint Id) : IIommufdCommand;

/// <summary>
/// Seed 003's CREATE_WINDOW: a window of Size bytes of PageSize pages at Base. PageSize 0 and a
/// null Base are left to the kernel, chosen from what the attached hardware allows. Answers the
/// window's base.
/// </summary>
public sealed record CreateIoasWindow(uint Ioas, ulong Size, ulong PageSize = 0, ulong? Base = null, uint Flags = 0) : IIommufdCommand;

/// <summary>Seed 003's REMOVE_WINDOW of the window at Base: the mappings inside go with it.</summary>
public sealed record RemoveIoasWindow(uint Ioas, ulong Base) : IIommufdCommand;

/// <summary>
/// IOMMU_IOAS_MAP {size, flags, ioas_id, user_va, length, iova}: maps Length bytes of the caller's
/// memory at UserVa. Fabric's VMMs map their guest's RAM at its host backing (guest physical gpa
/// is user address host base + gpa), so a user address is the host physical address a device
/// reaches. Answers the iova (the one given with FIXED_IOVA, else the one allocated).
/// </summary>
public sealed record MapIoas(uint Ioas, uint Flags, ulong UserVa, ulong Length, ulong Iova = 0) : IIommufdCommand;

/// <summary>IOMMU_IOAS_UNMAP {size, ioas_id, iova, length}: (0, U64_MAX) unmaps all. Answers the bytes unmapped.</summary>
public sealed record UnmapIoas(uint Ioas, ulong Iova, ulong Length) : IIommufdCommand;

/// <summary>
/// IOMMU_IOAS_COPY {size, flags, dst_ioas_id, src_ioas_id, length, dst_iova, src_iova}: maps in the
/// destination the pages the source maps at [SrcIova, SrcIova+Length). Answers the destination iova.
/// </summary>
public sealed record CopyIoas(uint Flags, uint DstIoas, uint SrcIoas, ulong Length, ulong DstIova, ulong SrcIova) : IIommufdCommand;

/// <summary>IOMMU_IOAS_IOVA_RANGES {size, ioas_id, num_iovas, allowed_iovas, out_iova_alignment}: room for NumIovas ranges. Answers an <see cref="IoasIovaRanges"/>.</summary>
public sealed record GetIoasIovaRanges(uint Ioas, uint NumIovas) : IIommufdCommand;

/// <summary>
/// The answer to <see cref="GetIoasIovaRanges"/>: the result (0, or -EMSGSIZE when the buffer was
/// too small), the number of ranges (written back also with -EMSGSIZE), the ranges that fit and
/// the IOAS's iova alignment.
/// </summary>
public sealed record IoasIovaRanges(SetupResult Result, uint NumIovas, IovaRange[] Ranges, ulong Alignment) : IFabricMessage;

/// <summary>IOMMU_IOAS_ALLOW_IOVAS {size, ioas_id, num_iovas, allowed_iovas}: automatic iovas only from these (none: anywhere).</summary>
public sealed record AllowIoasIovas(uint Ioas, IovaRange[] Ranges) : IIommufdCommand;

/// <summary>The selftest's IOMMU_TEST_OP_ADD_RESERVED: reserve [Start, Start+Length) of the IOAS.</summary>
public sealed record AddIoasReserved(uint Ioas, ulong Start, ulong Length) : IIommufdCommand;

/// <summary>VFIO_DEVICE_ATTACH_IOMMUFD_PT of the PE's device to the IOAS: the device's hardware domain is filled from it.</summary>
public sealed record AttachIoas(int Group, uint Ioas) : IIommufdCommand;

/// <summary>
/// The same ioctl on a device attached already (iommufd_device_replace): the device moves to
/// another IOAS's domain without being detached in between.
/// </summary>
public sealed record ReplaceIoas(int Group, uint Ioas) : IIommufdCommand;

/// <summary>VFIO_DEVICE_DETACH_IOMMUFD_PT: the device leaves its IOAS.</summary>
public sealed record DetachIoas(int Group) : IIommufdCommand;
