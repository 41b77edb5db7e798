namespace Fabric.Iommufd;

/// <summary>
/// One IOVA window of an IOAS (seed 003): [Base, Base+Size) of PageSize pages. Maps and unmaps
/// happen only inside a window, aligned to its page size, whether the hardware needs it or not.
/// </summary>
public sealed record IoasWindow(ulong Base, ulong Size, ulong PageSize)
{
    public ulong Last => Base + (Size - 1);

    public bool Holds(ulong first, ulong last) => first >= Base && last <= Last && first <= last;

    public bool Overlaps(ulong first, ulong last) => Base <= last && first <= Last;

    public bool IsAligned(ulong value) => (value & (PageSize - 1)) == 0;

    public override string ToString() => $"0x{Base:x}..0x{Last:x} ({PageSize / 1024}K pages)";
}
