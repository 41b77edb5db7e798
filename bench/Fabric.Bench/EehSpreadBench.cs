using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Fabric.Hosting;
using Fabric.Hosting.Workloads;
using Fabric.Messages;
using Fabric.Persistence;

namespace Fabric.Bench;

/// <summary>
/// How long a freeze of one host PE takes to reach every host PE of its guest PE (issue 6's
/// target: p99 under 1 ms in one process), and a whole recovery from the DMA fault to the guest
/// PE running again (the guest's recovery driver: detect, report, thaw MMIO, reset, configure,
/// resume, each RTAS call on every host PE), in memory and with the SQLite journal: a guest PE
/// over three host PEs, a DMA fault on one of them (EEH enabled); repeated (with the freeze limit
/// lifted, or the PEs would fail for good after five).
/// </summary>
public static class EehSpreadBench
{
    private const ulong Gib = 1UL << 30;

    public static async Task<int> Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        Console.WriteLine($"EEH freeze spread: a guest PE over 3 host PEs, {rounds} freezes by a DMA fault on one of them, {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"journal",-10} {"freezes",8} {"p50 us",8} {"p99 us",8} {"max us",8}   {"recovery p50 us",15} {"p99 us",8} {"max us",8}");
        foreach (var (name, kind) in new[] { ("memory", JournalKind.Memory), ("SQLite", JournalKind.Sqlite) })
        {
            var file = Path.Combine(Path.GetTempPath(), $"fabric-eeh-bench-{Guid.NewGuid():N}.db");
            try
            {
                var (spreads, recoveries) = await Measure(FabricConfig.Build(kind, file, Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = WARNING\nfabric.eeh.max-freezes = 100000000")), rounds);
                spreads.Sort();
                recoveries.Sort();
                Console.WriteLine($"{name,-10} {spreads.Count,8} {Pct(spreads, 0.50),8} {Pct(spreads, 0.99),8} {spreads[^1],8}   {Pct(recoveries, 0.50),15} {Pct(recoveries, 0.99),8} {recoveries[^1],8}");
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(file) + "*")) File.Delete(f);
            }
        }
        return 0;
    }

    /// <summary>Host h0: VM g with a LIOBN bound to a container of host PEs 1, 2, 3, guest PE 1 over them, EEH enabled.</summary>
    public static async Task SetUpGuestPe(FabricRuntime f)
    {
        async Task Ok(IHostCommand c)
        {
            var r = await f.Setup("h0", c);
            if (!r.Succeeded) throw new InvalidOperationException($"{c}: {r.Detail}");
        }
        await Ok(new CreateVm("g", 2 * Gib, 1));
        await Ok(new CreateTceTable("g", 1, 12, 0, Gib >> 12, 0));
        foreach (var g in new[] { 1, 2, 3 }) await Ok(new AddHostPe(g, 0));
        await Ok(new CreateContainer("c0", [1, 2, 3], [new HardwareWindow(0, 12, 0, Gib >> 12)]));
        await Ok(new BindGroupToLiobn("g", 1, 1));
        await Ok(new DefineGuestPe("g", 1, [1, 2, 3]));
        await Ok(new EehPeOpOnContainer(FdArgument.OfContainer("c0"), 16, 0, (uint)EehPeOp.Enable));
    }

    public static long Pct(List<long> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static async Task<(List<long> Spreads, List<long> Recoveries)> Measure(Akka.Configuration.Config config, int rounds)
    {
        await using var f = new FabricRuntime(config, "eeh-bench");
        await SetUpGuestPe(f);
        var events = new List<long>();
        var recoveries = new List<long>();
        var inbox = f.System.ActorOf(Props.Create(() => new Collector(events)));
        f.System.EventStream.Subscribe(inbox, typeof(GuestEehEvent));
        var driver = new EehRecoveryDriver(f, "h0", "g", 1);
        for (var i = 0; i < rounds; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await f.Dma("h0", 1 + i % 3, 0x9000, DmaDirection.Write);
            var recovery = await driver.Recover();
            if (!recovery.Recovered) throw new InvalidOperationException($"round {i}: {recovery.Outcome}");
            recoveries.Add((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }
        await Task.Delay(100);
        lock (events) return ([.. events], recoveries);
    }

    private sealed class Collector : ReceiveActor
    {
        public Collector(List<long> events) =>
            Receive<GuestEehEvent>(e => { lock (events) events.Add(e.SpreadMicroseconds); });
    }
}
