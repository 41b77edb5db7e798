using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Fabric.Container;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vm;
using Fabric.HostPe;
using Fabric.Vcpu;
using Fabric.Persistence;

namespace Fabric.Bench;

/// <summary>
/// H_PUT_TCE and H_PUT_TCE_INDIRECT(512) with two groups per container, through the actors
/// and through the pure core directly, in memory and with the SQLite journal. Prints
/// hcalls/s, TCEs/s and the ratio fabric/direct.
/// </summary>
public static class Program
{
    private const ulong Gib = 1UL << 30;
    private const int Tables = 4;
    private const int VcpusPerTable = 16;

    public static async Task<int> Main(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0]) : 3.0;
        Console.WriteLine($"Fabric benchmark: {Environment.ProcessorCount} cores, {Tables} LIOBNs x {VcpusPerTable} vCPUs, 2 groups per container, ~{seconds}s per run");
        Console.WriteLine($"{"workload",-22} {"path",-16} {"hcalls/s",12} {"TCEs/s",14} {"fabric/direct",14}");

        foreach (var (name, npages) in new[] { ("H_PUT_TCE", 1), ("H_PUT_TCE_INDIRECT(512)", 512) })
        {
            var direct = Direct(npages, seconds);
            Print(name, "direct", direct, npages, null);
            foreach (var (path, config) in Paths())
            {
                var rate = await ThroughFabric(npages, seconds, config);
                Print(name, path, rate, npages, rate / direct);
            }
        }
        return 0;
    }

    private static IEnumerable<(string, Config)> Paths()
    {
        yield return ("fabric in-memory", FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            fabric.durability = off
            """)));
        var file = Path.Combine(Path.GetTempPath(), $"fabric-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
        yield return ("fabric SQLite", FabricConfig.Build(JournalKind.Sqlite, file, ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            fabric.durability = strict
            """)));
    }

    private static void Print(string workload, string path, double hcallsPerSecond, int npages, double? ratio) =>
        Console.WriteLine($"{workload,-22} {path,-16} {hcallsPerSecond,12:N0} {hcallsPerSecond * npages,14:N0} {(ratio is null ? "" : ratio.Value.ToString("P1")),14}");

    private static IHypercall Call(int npages, int table, long i, ulong tceList)
    {
        var liobn = 0x1000UL + (ulong)table;
        var entries = (Gib >> 12) / (ulong)npages;
        var ioba = ((ulong)i % entries) * (ulong)npages << 12;
        if (npages == 1) return new HPutTce(liobn, ioba, ((ulong)i % 0x40000 << 12) | 3);
        return new HPutTceIndirect(liobn, ioba, tceList, (ulong)npages);
    }

    private static ulong TceList(int table) => 0x1000_0000UL + (ulong)table * 0x1000;

    private static void FillTceLists(GuestRam ram)
    {
        for (var t = 0; t < Tables; t++)
            for (ulong i = 0; i < 512; i++)
                ram.WriteBe64(TceList(t) + i * 8, ((i + 1) << 12) | 3);
    }

    /// <summary>The pure core alone: decide, apply, mirror into the hardware table, and kill in both groups' caches.</summary>
    private static double Direct(int npages, double seconds)
    {
        var ram = new GuestRam(2 * Gib, 1UL << 40);
        FillTceLists(ram);
        var table = new TceTable.TceTable(new TceTableGeometry(0x1000, 12, 0, Gib >> 12), true, true, ram);
        var hw = new HardwareTceTable("c0/0", new HardwareWindow(0, 12, 0, Gib >> 12));
        table.Link(new HardwareLink(hw, "c0", 0, 1));
        var caches = new[] { new TceCache(), new TceCache() };
        var sw = Stopwatch.StartNew();
        long n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            for (var k = 0; k < 1000; k++, n++)
            {
                var e = table.Decide(n, Call(npages, 0, n, TceList(0)));
                table.Apply(e);
                foreach (var w in e.Writes)
                {
                    var range = HardwareMirror.Mirror(w, 12, ram, hw);
                    foreach (var c in caches) c.Invalidate(range.Table.Key, range.FirstEntry, range.Count);
                }
            }
        }
        return n / sw.Elapsed.TotalSeconds;
    }

    private static async Task<double> ThroughFabric(int npages, double seconds, Config config)
    {
        await using var fabric = new FabricRuntime(config, "bench");
        async Task Ok(IHostCommand c)
        {
            var r = await fabric.Setup("h0", c);
            if (!r.Succeeded) throw new InvalidOperationException($"{c}: {r}");
        }
        await Ok(new CreateVm("g", 2 * Gib, Tables * VcpusPerTable));
        for (var t = 0; t < Tables; t++)
        {
            await Ok(new CreateTceTable("g", 0x1000UL + (ulong)t, 12, 0, Gib >> 12, 0));
            await Ok(new AddHostPe(2 * t + 1, 0));
            await Ok(new AddHostPe(2 * t + 2, 0));
            await Ok(new CreateContainer($"c{t}", [2 * t + 1, 2 * t + 2], [new HardwareWindow(0, 12, 0, Gib >> 12)]));
            await Ok(new BindGroupToLiobn("g", 0x1000UL + (ulong)t, 2 * t + 1));
        }
        FillTceLists(fabric.Memory("h0").GuestRams["g"]);

        // Warm up, then let every vCPU call for the measured time.
        await RunOnce(fabric, npages, TimeSpan.FromSeconds(0.3));
        var (calls, elapsed) = await RunOnce(fabric, npages, TimeSpan.FromSeconds(seconds));
        var report = await fabric.Invariants("h0");
        if (report.Violations.Length > 0) throw new InvalidOperationException($"invariant violated: {report.Violations[0]}");
        return calls / elapsed;
    }

    private static async Task<(long Calls, double Seconds)> RunOnce(FabricRuntime fabric, int npages, TimeSpan duration)
    {
        var tasks = new List<Task<WorkloadDone>>();
        var sw = Stopwatch.StartNew();
        for (var v = 0; v < Tables * VcpusPerTable; v++)
        {
            var vcpu = await fabric.System.ActorSelection($"/user/host-h0/vm-g/vcpu-{v}").ResolveOne(TimeSpan.FromSeconds(5));
            var table = v % Tables;
            var offset = (long)(v / Tables) * 1_000_000;
            tasks.Add(vcpu.Ask<WorkloadDone>(
                new RunWorkload(i => sw.Elapsed < duration ? Call(npages, table, i + offset, TceList(table)) : null, long.MaxValue),
                duration + TimeSpan.FromMinutes(1)));
        }
        var done = await Task.WhenAll(tasks);
        var elapsed = sw.Elapsed.TotalSeconds;
        var failed = done.Sum(d => d.Failed);
        if (failed > 0) throw new InvalidOperationException($"{failed} calls failed");
        return (done.Sum(d => d.Calls), elapsed);
    }
}
