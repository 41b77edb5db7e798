using Fabric.Messages;

namespace Fabric.Hosting.Trace;

/// <summary>What an iommufd verb prints after its echo: the same for a run and for a journal's export.</summary>
public static class IommufdOutput
{
    /// <summary>ret=, and on success the value the ioctl writes back, for the ioctls that write one.</summary>
    public static string[] Answer(IHostCommand command, SetupResult r)
    {
        var key = command switch
        {
            CreateIoasWindow => "base",
            MapIoas => "iova",
            UnmapIoas => "length",
            CopyIoas => "dst_iova",
            _ => null,
        };
        return key is null || !r.Succeeded
            ? [TraceOutput.Ret(r.Ret)]
            : [TraceOutput.Ret(0L), $"{key}={TraceOutput.Hex(unchecked((ulong)r.Value))}"];
    }

    /// <summary>ret= num_iovas= alignment= and the ranges written back, START-LAST each.</summary>
    public static string[] IovaRanges(IoasIovaRanges r)
    {
        var ranges = r.Ranges.Length == 0 ? "" : " ranges=" + string.Join(',', r.Ranges.Select(x => $"{TraceOutput.Hex(x.Start)}-{TraceOutput.Hex(x.Last)}"));
        return [TraceOutput.Ret(r.Result.Ret), $"num_iovas={r.NumIovas} alignment={TraceOutput.Hex(r.Alignment)}{ranges}"];
    }
}
