using Fabric.Messages;

namespace Fabric.Hosting.Trace;

/// <summary>
/// The iommufd verbs (docs/trace-format.md, "iommufd IOAS windows"): an ioctl per statement on the
/// host's /dev/iommu, printing ret= and what the ioctl writes back (the iova chosen, the bytes
/// unmapped, the window's base, the usable ranges).
/// </summary>
public sealed partial class TraceRunner
{
    private static readonly HashSet<string> IommufdVerbs =
    [
        "IOMMU_IOAS_ALLOC", "IOMMU_DESTROY", "IOMMU_IOAS_CREATE_WINDOW", "IOMMU_IOAS_REMOVE_WINDOW",
        "IOMMU_IOAS_MAP", "IOMMU_IOAS_UNMAP", "IOMMU_IOAS_COPY", "IOMMU_IOAS_IOVA_RANGES", "IOMMU_IOAS_ALLOW_IOVAS",
        "IOMMUFD_DEVICE_ATTACH", "IOMMUFD_DEVICE_REPLACE", "IOMMUFD_DEVICE_DETACH",
    ];

    private const uint ReadWrite = IoasMapFlags.Readable | IoasMapFlags.Writeable;

    private Task Iommufd(TraceStatement s) => s.Verb switch
    {
        "IOMMU_IOAS_ALLOC" => Ioctl(s, s.Word("host"), new AllocIoas(U32(s, "flags", 0))),
        "IOMMU_DESTROY" => Ioctl(s, s.Word("host"), new DestroyIoas(IoasId(s, "ioas"))),
        "IOMMU_IOAS_CREATE_WINDOW" => Answered(s, new CreateIoasWindow(IoasId(s, "ioas"), s.Number("size"), s.NumberOr("page_size", 0),
            s.Has("base") ? s.Number("base") : null, U32(s, "flags", 0))),
        "IOMMU_IOAS_REMOVE_WINDOW" => Ioctl(s, s.Word("host"), new RemoveIoasWindow(IoasId(s, "ioas"), s.Number("base"))),
        "IOMMU_IOAS_MAP" => Answered(s, new MapIoas(IoasId(s, "ioas"), MapFlags(s, "iova"), s.Number("user_va"), s.Number("length"), s.NumberOr("iova", 0))),
        "IOMMU_IOAS_UNMAP" => Answered(s, new UnmapIoas(IoasId(s, "ioas"), s.Number("iova"), s.Number("length"))),
        "IOMMU_IOAS_COPY" => Answered(s, new CopyIoas(MapFlags(s, "dst_iova"), IoasId(s, "dst_ioas"), IoasId(s, "src_ioas"),
            s.Number("length"), s.NumberOr("dst_iova", 0), s.Number("src_iova"))),
        "IOMMU_IOAS_IOVA_RANGES" => IovaRanges(s),
        "IOMMU_IOAS_ALLOW_IOVAS" => Ioctl(s, s.Word("host"), new AllowIoasIovas(IoasId(s, "ioas"), Ranges(s))),
        "IOMMUFD_DEVICE_ATTACH" => Ioctl(s, s.Word("host"), new AttachIoas(Int(s, "pe"), IoasId(s, "ioas"))),
        "IOMMUFD_DEVICE_REPLACE" => Ioctl(s, s.Word("host"), new ReplaceIoas(Int(s, "pe"), IoasId(s, "ioas"))),
        "IOMMUFD_DEVICE_DETACH" => Ioctl(s, s.Word("host"), new DetachIoas(Int(s, "pe"))),
        _ => throw new TraceFormatException(s.Error($"{s.Verb} is not an iommufd verb")),
    };

    /// <summary>flags=, or READABLE|WRITEABLE with FIXED_IOVA when the fixed iova's key is given.</summary>
    private static uint MapFlags(TraceStatement s, string iovaKey) =>
        s.Has("flags") ? U32(s, "flags", 0) : ReadWrite | (s.Has(iovaKey) ? IoasMapFlags.FixedIova : 0);

    private static uint IoasId(TraceStatement s, string key) => U32(s, key, 0);

    /// <summary>ranges=START,LAST,START,LAST...: inclusive pairs.</summary>
    private static IovaRange[] Ranges(TraceStatement s)
    {
        if (!s.Has("ranges")) return [];
        var n = s.Numbers("ranges");
        if (n.Count % 2 != 0) throw new TraceFormatException(s.Error($"ranges= takes pairs START,LAST; it has {n.Count} numbers"));
        return Enumerable.Range(0, n.Count / 2).Select(i => new IovaRange(n[2 * i], n[2 * i + 1])).ToArray();
    }

    /// <summary>An ioctl that writes a value back: ret=0 and KEY=value on success.</summary>
    private async Task Answered(TraceStatement s, IIommufdCommand command)
    {
        var result = await _fabric.Setup(s.Word("host"), command);
        await _out.WriteLineAsync(TraceOutput.Line(s, IommufdOutput.Answer(command, result)));
        if (!result.Succeeded) await _err.WriteLineAsync($"{s.Location}: {result.Detail}");
    }

    private async Task IovaRanges(TraceStatement s)
    {
        var reply = await _fabric.Ask(s.Word("host"), new GetIoasIovaRanges(IoasId(s, "ioas"), U32(s, "num_iovas", 16)));
        if (reply is not IoasIovaRanges r) throw new TraceFormatException(s.Error(((SetupResult)reply).Detail));
        await _out.WriteLineAsync(TraceOutput.Line(s, IommufdOutput.IovaRanges(r)));
        if (!r.Result.Succeeded) await _err.WriteLineAsync($"{s.Location}: {r.Result.Detail}");
    }
}
