using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Fabric.Container;
using Fabric.Hosting;
using Fabric.HostPe;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.TceTable;
using Fabric.Vcpu;
using Fabric.Vm;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fabric.Bench;

/// <summary>
/// H_PUT_TCE and H_PUT_TCE_INDIRECT(512) with two groups per container, through the pure core
/// directly and through the actors (in memory, and with the SQLite or PostgreSQL journal
/// acknowledging before the reply), in one run. Prints hcalls/s, TCEs/s and the ratio
/// fabric/direct. PostgreSQL runs when FABRIC_POSTGRES reaches a server, each run in a schema
/// of its own that is dropped afterwards.
/// Usage: Fabric.Bench [seconds per run] [only paths containing this text];
/// Fabric.Bench replay [events] [TCEs] times replay instead (<see cref="ReplayBench"/>);
/// Fabric.Bench ddw [GiB] [vCPUs] times a pseries guest's boot mapping (<see cref="DdwBench"/>).
/// </summary>
public static class Program
{
    private const ulong Gib = 1UL << 30;
    private const int Tables = 4;
    private static readonly int[] VcpusPerTable = [16, 64];

    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "replay") return await ReplayBench.Run(args[1..]);
        if (args.Length > 1 && args[0] == "eeh" && args[1] == "--cluster") return await EehClusterBench.Run(args[2..]);
        if (args.Length > 0 && args[0] == "eeh") return await EehSpreadBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "ddw") return await DdwBench.Run(args[1..]);
        if (args.Length > 0 && args[0] == "cluster") return await ClusterBench.Run(args[1..]);
        var seconds = args.Length > 0 ? double.Parse(args[0]) : 3.0;
        var only = args.Length > 1 ? args[1] : "";
        Console.WriteLine($"Fabric benchmark: {Environment.ProcessorCount} cores, {Tables} LIOBNs, each bound to a container of 2 groups; {seconds}s per run after 1s of warm-up");
        Console.WriteLine($"{"workload",-24} {"path",-17} {"vCPUs",6} {"hcalls/s",12} {"TCEs/s",14} {"fabric/direct",14} {"calls/journal row",18}");

        var paths = new List<string> { "in-memory", "SQLite strict", Postgres };
        paths.RemoveAll(p => !p.Contains(only, StringComparison.OrdinalIgnoreCase));
        if (paths.Contains(Postgres) && PostgresServer() is { } why)
        {
            paths.Remove(Postgres);
            Console.WriteLine($"{Postgres}: left out, {why}");
        }

        foreach (var (name, npages) in new[] { ("H_PUT_TCE", 1), ("H_PUT_TCE_INDIRECT(512)", 512) })
        {
            var direct = Direct(npages, seconds);
            Print(name, "direct (core)", 1, direct, npages, null, null);
            foreach (var path in paths)
            {
                foreach (var perTable in VcpusPerTable)
                {
                    var (rate, perRow) = await ThroughFabric(npages, seconds, path, perTable);
                    Print(name, path, perTable * Tables, rate, npages, rate / direct, perRow);
                }
            }
        }
        if (only == "" || "recovery".Contains(only, StringComparison.OrdinalIgnoreCase)) await RecoveryBench.Run();
        return 0;
    }

    private static void Print(string workload, string path, int vcpus, double hcallsPerSecond, int npages, double? ratio, double? perRow) =>
        Console.WriteLine($"{workload,-24} {path,-17} {vcpus,6} {hcallsPerSecond,12:N0} {hcallsPerSecond * npages,14:N0} " +
                          $"{(ratio is null ? "" : ratio.Value.ToString("P1")),14} {(perRow is null ? "" : perRow.Value.ToString("N1")),18}");

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

    /// <summary>The pure core alone, on one thread: decide, apply, mirror into the hardware table, kill both groups' caches.</summary>
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

    private const string Postgres = "PostgreSQL strict";

    /// <summary>Null when FABRIC_POSTGRES reaches a server, else why not.</summary>
    private static string? PostgresServer()
    {
        if (Environment.GetEnvironmentVariable(PostgresJournal.EnvironmentVariable) is not { Length: > 0 } cs)
            return $"{PostgresJournal.EnvironmentVariable} is not set";
        try
        {
            var journal = PostgresJournal.Parse(cs);
            var b = new NpgsqlConnectionStringBuilder(journal.ConnectionString) { Timeout = 3, Pooling = false };
            using var connection = new NpgsqlConnection(b.ConnectionString);
            connection.Open();
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or FormatException or InvalidOperationException or TimeoutException)
        {
            return $"no server reachable at {PostgresJournal.EnvironmentVariable} ({e.Message})";
        }
    }

    private static async Task<(double Rate, double? CallsPerRow)> ThroughFabric(int npages, double seconds, string path, int vcpusPerTable)
    {
        var quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING");
        var strict = ConfigurationFactory.ParseString("fabric.durability = strict").WithFallback(quiet);
        var file = Path.Combine(Path.GetTempPath(), $"fabric-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
        // PostgreSQL: the server of FABRIC_POSTGRES, a schema of this run's own.
        var schema = $"bench_{Environment.ProcessId}_{Guid.NewGuid():N}"[..40];
        var config = path switch
        {
            "in-memory" => FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString("fabric.durability = off").WithFallback(quiet)),
            Postgres => FabricConfig.Build(JournalKind.Postgres, overrides: ConfigurationFactory.ParseString($"fabric.postgres.schema = {schema}").WithFallback(strict)),
            _ => FabricConfig.Build(JournalKind.Sqlite, file, strict),
        };
        try
        {
            double rate;
            long allCalls;
            await using (var fabric = new FabricRuntime(config, "bench"))
            {
                await SetUp(fabric, vcpusPerTable);
                var (warmUp, _) = await RunOnce(fabric, npages, vcpusPerTable, TimeSpan.FromSeconds(1));
                var (calls, elapsed) = await RunOnce(fabric, npages, vcpusPerTable, TimeSpan.FromSeconds(seconds));
                allCalls = warmUp + calls;
                var report = await fabric.Invariants("h0");
                if (report.Violations.Length > 0) throw new InvalidOperationException($"invariant violated: {report.Violations[0]}");
                rate = calls / elapsed;
            }
            var rows = path switch
            {
                "in-memory" => (long?)null,
                Postgres => PostgresJournal.Of(config).JournalRows(prefix: "tce/"),
                _ => JournalRows(file),
            };
            return (rate, rows is null ? null : allCalls / (double)Math.Max(1, rows.Value));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
            if (path == Postgres)
            {
                NpgsqlConnection.ClearAllPools();
                PostgresJournal.Of(config).DropSchema();
            }
        }
    }

    private static async Task SetUp(FabricRuntime fabric, int vcpusPerTable)
    {
        async Task Ok(IHostCommand c)
        {
            var r = await fabric.Setup("h0", c);
            if (!r.Succeeded) throw new InvalidOperationException($"{c}: {r}");
        }
        await Ok(new CreateVm("g", 2 * Gib, Tables * vcpusPerTable));
        for (var t = 0; t < Tables; t++)
        {
            await Ok(new CreateTceTable("g", 0x1000UL + (ulong)t, 12, 0, Gib >> 12, 0));
            await Ok(new AddHostPe(2 * t + 1, 0));
            await Ok(new AddHostPe(2 * t + 2, 0));
            await Ok(new CreateContainer($"c{t}", [2 * t + 1, 2 * t + 2], [new HardwareWindow(0, 12, 0, Gib >> 12)]));
            await Ok(new BindGroupToLiobn("g", 0x1000UL + (ulong)t, 2 * t + 1));
        }
        FillTceLists(fabric.Memory("h0").GuestRams["g"]);
    }

    /// <summary>Every vCPU calls back to back for the given time; returns the calls made and the seconds taken.</summary>
    private static async Task<(long Calls, double Seconds)> RunOnce(FabricRuntime fabric, int npages, int vcpusPerTable, TimeSpan duration)
    {
        var tasks = new List<Task<WorkloadDone>>();
        var sw = Stopwatch.StartNew();
        for (var v = 0; v < Tables * vcpusPerTable; v++)
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
        if (failed > 0) throw new InvalidOperationException($"{failed} calls failed (first: {done.First(d => d.Failed > 0).FirstFailure})");
        return (done.Sum(d => d.Calls), elapsed);
    }

    /// <summary>The rows the TCE tables wrote: with the calls made, it shows the group commit at work.</summary>
    private static long JournalRows(string file)
    {
        using var c = new SqliteConnection($"Data Source={file};Pooling=False");
        c.Open();
        using var q = c.CreateCommand();
        q.CommandText = "SELECT COUNT(*) FROM journal WHERE persistence_id LIKE 'tce/%'";
        return Math.Max(1, (long)q.ExecuteScalar()!);
    }
}
