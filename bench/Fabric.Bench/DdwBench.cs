using System.Globalization;
using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Hosting.Workloads;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.TceTable;

namespace Fabric.Bench;

/// <summary>
/// A 16 GiB pseries guest brings up its 64-bit window and maps all RAM through the actors
/// (<see cref="PseriesBoot"/>), with 64K pages (262,144 TCEs) and with 4K pages (4 M TCEs), in
/// memory and with the SQLite journal acknowledging before each reply. Prints the time and TCEs/s
/// of the mapping, the memory of the guest view per mapped TCE (target: 9 bytes at most; a page the
/// boot fills whole is held as its stride, about 0.15) and of an
/// untouched 1 TiB window (target: under 1 MiB), and what the whole process held per TCE after the
/// boot (views, the checker's copy, the journal's buffers).
/// Usage: Fabric.Bench ddw [GiB of RAM] [vCPUs].
/// </summary>
public static class DdwBench
{
    public static async Task<int> Run(string[] args)
    {
        var gib = args.Length > 0 ? ulong.Parse(args[0], CultureInfo.InvariantCulture) : 16;
        var vcpus = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
        var ram = gib << 30;
        Console.WriteLine($"DDW boot: a {gib} GiB guest maps all RAM in its 64-bit window with H_PUT_TCE_INDIRECT(512) on {vcpus} vCPUs, {Environment.ProcessorCount} cores");

        Console.WriteLine();
        Console.WriteLine($"{"guest view (core)",-36} {"TCEs",12} {"bytes",14} {"bytes/TCE",10}");
        foreach (var shift in new[] { 16, 12 })
        foreach (var strided in new[] { true, false })
        {
            var (entries, bytes) = ViewMemory(ram >> shift, strided);
            var label = $"all RAM mapped, {1 << (shift - 10)}K pages{(strided ? "" : ", arrays")}";
            Console.WriteLine($"{label,-36} {entries,12:N0} {bytes,14:N0} {bytes / (double)entries,10:F2}");
        }
        var untouched = UntouchedWindowMemory(1UL << 28);
        Console.WriteLine($"{"1 TiB window of 4K, untouched",-36} {1UL << 28,12:N0} {untouched,14:N0} {"",10}");

        // A small boot first, so the figures below do not pay for the JIT.
        await Boot(1UL << 30, vcpus, 0x2, "in-memory");
        Console.WriteLine();
        Console.WriteLine($"{"pages",-6} {"journal",-14} {"TCEs",12} {"hcalls",8} {"map s",8} {"TCEs/s",14} {"process bytes/TCE",18}");
        foreach (var (mask, label) in new[] { (0x2UL, "64K"), (0x1UL, "4K") })
        foreach (var path in new[] { "in-memory", "SQLite strict" })
        {
            var (boot, processBytes) = await Boot(ram, vcpus, mask, path);
            Console.WriteLine($"{label,-6} {path,-14} {boot.TcesMapped,12:N0} {boot.Hcalls,8:N0} {boot.MapTime.TotalSeconds,8:F2} " +
                              $"{boot.TcesMapped / boot.MapTime.TotalSeconds,14:N0} {processBytes / (double)boot.TcesMapped,18:F1}");
        }
        return 0;
    }

    /// <summary>
    /// The bytes a view of <paramref name="entries"/> TCEs holds once every one is written, in runs
    /// of 512: as the boot's INDIRECT calls write them (strided runs), or as values one by one
    /// (what any other list costs, a page array each).
    /// </summary>
    private static (ulong Entries, long Bytes) ViewMemory(ulong entries, bool strided)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var view = new GuestTceView(0, entries);
        var run = new ulong[512];
        for (ulong first = 0; first < entries; first += 512)
        {
            for (var k = 0; k < run.Length; k++) run[k] = ((first + (ulong)k) << 12) | 3;
            view.SetRun(strided ? TceWrite.Of(first, run) : new TceRunWritten(first, run));
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(view);
        return (entries, after - before);
    }

    private static long UntouchedWindowMemory(ulong entries)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var view = new GuestTceView(1UL << 47, entries);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(view);
        return after - before;
    }

    private static async Task<(PseriesBootResult Boot, long ProcessBytes)> Boot(ulong ram, int vcpus, ulong pageSizeMask, string path)
    {
        var file = Path.Combine(Path.GetTempPath(), $"fabric-ddw-bench-{Guid.NewGuid():N}.db");
        var quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING");
        var config = path == "in-memory"
            ? FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString("fabric.durability = off").WithFallback(quiet))
            : FabricConfig.Build(JournalKind.Sqlite, file, ConfigurationFactory.ParseString("fabric.durability = strict").WithFallback(quiet));
        try
        {
            await using var f = new FabricRuntime(config, "ddw-bench") { Timeout = TimeSpan.FromMinutes(5) };
            async Task Ok(IHostCommand c)
            {
                var r = await f.Setup("h0", c);
                if (!r.Succeeded) throw new InvalidOperationException($"{c}: {r.Detail}");
            }
            await Ok(new CreateVm("g", ram, vcpus));
            await Ok(new AddPhb("g", 1, true, pageSizeMask, AddPhb.DefaultWindowSize, AddPhb.DefaultDma64WindowAddress));
            // QEMU under KVM: the PHB's windows are KVM tables, so KVM answers the mapping.
            await Ok(new CreateTceTable("g", AddPhb.Liobn(1, 0), 12, 0, AddPhb.DefaultWindowSize >> 12, 0));
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var boot = await PseriesBoot.Run(f, "h0", "g", 1, vcpus);
            var report = await f.Invariants("h0");
            if (report.Violations.Length > 0) throw new InvalidOperationException($"invariant violated: {report.Violations[0]}");
            var after = GC.GetTotalMemory(forceFullCollection: true);
            return (boot, after - before);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(file) + "*")) File.Delete(f);
        }
    }
}
