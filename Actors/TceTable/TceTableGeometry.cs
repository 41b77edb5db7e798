namespace Fabric.TceTable;

/// <summary>
/// A DMA window as KVM_CREATE_SPAPR_TCE_64 describes it: page size, first entry (Offset, in
/// pages) and number of entries. Entries are numbered absolutely, as KVM does (ioba >> page_shift).
/// </summary>
public readonly record struct TceTableGeometry(ulong Liobn, int PageShift, ulong Offset, ulong Size)
{
    public ulong PageSize => 1UL << PageShift;
    public ulong PageMask => PageSize - 1;
    public ulong BusOffset => Offset << PageShift;
    public ulong WindowBytes => Size << PageShift;

    /// <summary>KVM_CREATE_SPAPR_TCE_64's argument check (book3s_64_vio.c, kvm_vm_ioctl_create_spapr_tce).</summary>
    public static bool IsValidForKvm(int pageShift, ulong offset, ulong size, uint flags) =>
        flags == 0 && size != 0 && pageShift >= 12 && pageShift <= 34 &&
        offset <= ulong.MaxValue - size && offset + size <= ulong.MaxValue >> pageShift;
}
