using Akka.Actor;
using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Hosting.Cluster;
using Fabric.Messages;
using Fabric.Persistence;

namespace Fabric.Bench;

/// <summary>
/// bench -- cluster [CALLS]: hypercalls between a vCPU's caller on one member and the host
/// (its table) on another, over loopback, with many calls in flight; and the same host
/// workload in one process, in the same run. Durability off: this measures the fabric and the
/// wire, not the journal.
/// </summary>
public static class ClusterBench
{
    private static readonly int[] InFlight = [16, 64, 256];

    public static async Task<int> Run(string[] args)
    {
        var calls = args.Length > 0 ? long.Parse(args[0]) : 200_000;
        var config = FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString("""
            akka.loglevel = WARNING
            fabric.durability = off
            """));
        Console.WriteLine($"Cluster benchmark: {Environment.ProcessorCount} cores, {calls} H_PUT_TCE per run on one table, durability off, loopback");
        Console.WriteLine($"{"path",-34} {"in flight",10} {"hcalls/s",12} {"vs one process",15}");

        var single = new Dictionary<int, double>();
        await using (var fabric = new FabricRuntime(config, "bench-single"))
        {
            foreach (var n in InFlight)
            {
                var rate = await Measure(fabric, $"h{n}", calls, n);
                single[n] = rate;
                Console.WriteLine($"{"one process",-34} {n,10} {rate,12:0} {"1.00",15}");
            }
        }

        var members = new List<FabricNode>();
        try
        {
            var client = await LocalCluster.Start(config, members);
            foreach (var n in InFlight)
            {
                var rate = await Measure(client.Runtime, $"h{n}", calls, n);
                Console.WriteLine($"{"3-member cluster, caller on a 4th",-34} {n,10} {rate,12:0} {rate / single[n],15:0.00}");
            }
        }
        finally
        {
            foreach (var m in members) await m.System.Terminate();
        }
        return 0;
    }

    /// <summary>
    /// A warm-up of a tenth, then the run with one call in flight per vCPU; then the mapping
    /// workload's own check that every acknowledged mapping reads back and no invariant broke.
    /// </summary>
    private static async Task<double> Measure(FabricRuntime fabric, string host, long calls, int inFlight)
    {
        await MappingWorkload.SetUp(fabric, host, inFlight);
        await PipelinedCalls.Run(fabric.System, fabric.Host(host), inFlight, calls / 10);
        var run = await PipelinedCalls.Run(fabric.System, fabric.Host(host), inFlight, calls);
        if (run.Failed > 0) throw new InvalidOperationException($"{run.Failed} of {run.Calls} calls failed on {host}");
        var check = await MappingWorkload.Run(fabric, host, Math.Min(calls, 1000), inFlight, TimeSpan.FromSeconds(30));
        if (!check.Passed) throw new InvalidOperationException(check.ToString());
        return run.Calls / run.Elapsed.TotalSeconds;
    }
}
