using System.Diagnostics;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// What the run held: the process's peak resident memory (Linux's VmHWM, the high-water mark
/// of its working set), the managed heap still live at the end (after a full collection, with
/// every table, view and checker copy of the run in it), all bytes allocated during the run,
/// and the full collections it took.
/// </summary>
public sealed record RunMemory(long PeakWorkingSetBytes, long LiveHeapBytes, long AllocatedBytes, int FullCollections)
{
    /// <summary>Taken at the run's start, to count what the run itself allocated and collected.</summary>
    public sealed record Start(long AllocatedBytes, int FullCollections);

    public static Start Begin() => new(GC.GetTotalAllocatedBytes(), GC.CollectionCount(2));

    public static RunMemory Since(Start start)
    {
        var live = GC.GetTotalMemory(forceFullCollection: true);
        using var self = Process.GetCurrentProcess();
        return new RunMemory(self.PeakWorkingSet64, live, GC.GetTotalAllocatedBytes() - start.AllocatedBytes,
            GC.CollectionCount(2) - start.FullCollections);
    }
}
