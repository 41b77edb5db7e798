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

    /// <param name="tcesMapped">TCEs the run mapped (its boots'), to say what each cost.</param>
    public string Describe(long? tcesMapped)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string Mib(long bytes) => $"{(bytes / 1048576.0).ToString("N0", inv)} MiB";
        return $"peak working set {Mib(PeakWorkingSetBytes)}, live heap at the end {Mib(LiveHeapBytes)}, {Mib(AllocatedBytes)} allocated, " +
               $"{FullCollections} full collections" +
               (tcesMapped > 0 ? $"; {((double)LiveHeapBytes / tcesMapped.Value).ToString("F1", inv)} live bytes per mapped TCE" : "");
    }

    public static RunMemory Since(Start start)
    {
        var live = GC.GetTotalMemory(forceFullCollection: true);
        using var self = Process.GetCurrentProcess();
        return new RunMemory(self.PeakWorkingSet64, live, GC.GetTotalAllocatedBytes() - start.AllocatedBytes,
            GC.CollectionCount(2) - start.FullCollections);
    }
}
