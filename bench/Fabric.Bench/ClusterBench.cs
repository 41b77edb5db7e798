using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Hosting.Cluster;
using Fabric.Persistence;

namespace Fabric.Bench;

/// <summary>
/// bench -- cluster [CALLS]: hypercalls between a vCPU's caller on one member and the host
/// (its table) on another, over loopback, with many calls in flight: one remote message per
/// call and per answer (unbatched), and the calls in flight toward the host carried together
/// (batched, fabric.cluster.batch-hcalls); and the same host workload in one process, in the
/// same run. Durability off: this measures the fabric and the wire, not the journal. CPU is
/// the whole process's (every member runs in it) per call: on a shared machine it says more
/// than the wall-clock rate.
/// </summary>
public static class ClusterBench
{
    private static readonly int[] InFlight = [64, 256, 1024];

    public static async Task<int> Run(string[] args)
    {
        var calls = args.Length > 0 ? long.Parse(args[0]) : 200_000;
        var config = FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            fabric.durability = off
            """));
        Console.WriteLine($"Cluster benchmark: {Environment.ProcessorCount} cores, {calls} H_PUT_TCE per run on one table, durability off, loopback");
        Console.WriteLine($"{"path",-44} {"in flight",10} {"hcalls/s",12} {"CPU us/call",12} {"vs one process",15}");

        var single = new Dictionary<int, double>();
        await using (var fabric = new FabricRuntime(config, "bench-single"))
        {
            foreach (var n in InFlight)
            {
                var run = await Measure(fabric, $"h{n}", calls, n);
                single[n] = run.Rate;
                Print("one process", n, run, 1.0);
            }
        }

        var members = new List<FabricNode>();
        try
        {
            var client = await LocalCluster.Start(config, members);
            var best = new Dictionary<bool, double>();
            var leanest = double.MaxValue;
            foreach (var batched in new[] { false, true })
            {
                var fabric = new FabricRuntime(client.System, client.Region, batchHcalls: batched);
                foreach (var n in InFlight)
                {
                    // A host of its own per path: the unbatched and batched runs use fresh tables alike.
                    var run = await Measure(fabric, $"{(batched ? "b" : "u")}{n}", calls, n);
                    best[batched] = Math.Max(best.GetValueOrDefault(batched), run.Rate);
                    if (batched) leanest = Math.Min(leanest, run.CpuMicrosPerCall);
                    Print($"3-member cluster, caller on a 4th, {(batched ? "batched" : "unbatched")}", n, run, run.Rate / single[n]);
                }
            }
            Console.WriteLine($"best cross-node rate: unbatched {best[false]:0} hcalls/s, batched {best[true]:0} hcalls/s ({best[true] / best[false]:0.0}x); " +
                              $"one process {single.Values.Max():0} hcalls/s");
            // What the CPU time says the cores could carry if nothing else ran: an estimate, not a measurement.
            Console.WriteLine($"batched CPU per call at best {leanest:0.0} us: {Environment.ProcessorCount} idle cores would carry at most " +
                              $"~{Environment.ProcessorCount * 1e6 / leanest:0} hcalls/s (estimate; the machine's load average now is {LoadAverage()})");
        }
        finally
        {
            foreach (var m in members) await m.System.Terminate();
        }
        return 0;
    }

    private sealed record Figures(double Rate, double CpuMicrosPerCall);

    /// <summary>The 1-minute load average (Linux), so a reader sees how shared the machine was.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";

    private static void Print(string path, int inFlight, Figures f, double ratio) =>
        Console.WriteLine($"{path,-44} {inFlight,10} {f.Rate,12:0} {f.CpuMicrosPerCall,12:0.0} {ratio,15:0.00}");

    /// <summary>
    /// A warm-up of a tenth, then the run with one call in flight per vCPU; then the mapping
    /// workload's own check that every acknowledged mapping reads back and no invariant broke.
    /// </summary>
    private static async Task<Figures> Measure(FabricRuntime fabric, string host, long calls, int inFlight)
    {
        await MappingWorkload.SetUp(fabric, host, inFlight);
        await PipelinedCalls.Run(fabric.System, fabric.Host(host), inFlight, calls / 10);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var run = await PipelinedCalls.Run(fabric.System, fabric.Host(host), inFlight, calls);
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        if (run.Failed > 0) throw new InvalidOperationException($"{run.Failed} of {run.Calls} calls failed on {host}");
        var check = await MappingWorkload.Run(fabric, host, Math.Min(calls, 1000), Math.Min(inFlight, 64), TimeSpan.FromSeconds(30));
        if (!check.Passed) throw new InvalidOperationException(check.ToString());
        return new Figures(run.Calls / run.Elapsed.TotalSeconds, cpu.TotalMicroseconds / run.Calls);
    }
}
