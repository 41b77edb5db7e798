namespace Fabric.Messages;

/// <summary>TCE bits (Linux arch/powerpc/include/asm/tce.h).</summary>
public static class Tce
{
    public const ulong PciRead = 0x1;
    public const ulong PciWrite = 0x2;
    public const ulong Permissions = PciRead | PciWrite;
    public const int RpnShift = 12;
    public const ulong RpnMask = 0xff_ffff_ffffUL;

    /// <summary>The SPAPR limit on one H_PUT_TCE_INDIRECT list: one 4K page of entries.</summary>
    public const ulong MaxIndirectEntries = 512;

    /// <summary>Guest view entries per 4K page (KVM's TCES_PER_PAGE).</summary>
    public const int EntriesPerPage = 512;

    public static bool AllowsRead(ulong tce) => (tce & PciRead) != 0;
    public static bool AllowsWrite(ulong tce) => (tce & PciWrite) != 0;
    public static bool IsClear(ulong tce) => (tce & Permissions) == 0;
}
