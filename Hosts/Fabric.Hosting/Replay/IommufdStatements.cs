using System.Globalization;
using Fabric.Messages;

namespace Fabric.Hosting.Replay;

/// <summary>The trace statement of a journaled iommufd ioctl: the inverse of the trace runner's iommufd verbs.</summary>
public static class IommufdStatements
{
    /// <summary>The statement's text (after the verb's host= key is added), or null for a command with no verb.</summary>
    public static string? Of(string h, IHostCommand command) => command switch
    {
        AllocIoas c => $"IOMMU_IOAS_ALLOC {h} flags={Hex(c.Flags)}",
        DestroyIoas c => $"IOMMU_DESTROY {h} ioas={c.Id}",
        CreateIoasWindow c => $"IOMMU_IOAS_CREATE_WINDOW {h} ioas={c.Ioas} size={Hex(c.Size)}"
            + (c.PageSize != 0 ? $" page_size={Hex(c.PageSize)}" : "") + (c.Base is { } b ? $" base={Hex(b)}" : "") + $" flags={Hex(c.Flags)}",
        RemoveIoasWindow c => $"IOMMU_IOAS_REMOVE_WINDOW {h} ioas={c.Ioas} base={Hex(c.Base)}",
        MapIoas c => $"IOMMU_IOAS_MAP {h} ioas={c.Ioas} user_va={Hex(c.UserVa)} length={Hex(c.Length)} iova={Hex(c.Iova)} flags={Hex(c.Flags)}",
        UnmapIoas c => $"IOMMU_IOAS_UNMAP {h} ioas={c.Ioas} iova={Hex(c.Iova)} length={Hex(c.Length)}",
        CopyIoas c => $"IOMMU_IOAS_COPY {h} dst_ioas={c.DstIoas} src_ioas={c.SrcIoas} src_iova={Hex(c.SrcIova)} length={Hex(c.Length)} dst_iova={Hex(c.DstIova)} flags={Hex(c.Flags)}",
        GetIoasIovaRanges c => $"IOMMU_IOAS_IOVA_RANGES {h} ioas={c.Ioas} num_iovas={c.NumIovas}",
        AllowIoasIovas c => $"IOMMU_IOAS_ALLOW_IOVAS {h} ioas={c.Ioas}"
            + (c.Ranges.Length > 0 ? " ranges=" + string.Join(',', c.Ranges.SelectMany(r => new[] { Hex(r.Start), Hex(r.Last) })) : ""),
        AttachIoas c => $"IOMMUFD_DEVICE_ATTACH {h} pe={c.Group} ioas={c.Ioas}",
        ReplaceIoas c => $"IOMMUFD_DEVICE_REPLACE {h} pe={c.Group} ioas={c.Ioas}",
        DetachIoas c => $"IOMMUFD_DEVICE_DETACH {h} pe={c.Group}",
        _ => null,
    };

    private static string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);
}
