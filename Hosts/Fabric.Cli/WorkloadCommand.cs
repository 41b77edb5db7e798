using System.CommandLine;
using Akka.Actor;
using Fabric.Hosting.Cluster;
using Fabric.Messages;

namespace Fabric.Cli;

/// <summary>
/// <c>fabric workload --cluster HOST:PORT --host h0</c>: a guest mapping pages on a host of a
/// running cluster (set up on first use), then every acknowledged mapping read back and the
/// invariants checked. Exit 0 only when nothing acknowledged was lost and no invariant broke.
/// </summary>
public static class WorkloadCommand
{
    public static Command Create()
    {
        var seeds = ClusterOptions.Seeds("--cluster", "HOST:PORT of a member (repeat for several)");
        seeds.Required = true;
        var host = new Option<string>("--host") { Description = "the simulated host the guest runs on", DefaultValueFactory = _ => "h0" };
        var calls = new Option<long>("--calls") { Description = "H_PUT_TCE calls to make (at most 262144: one per page of the table)", DefaultValueFactory = _ => 2000 };
        var vcpus = new Option<int>("--vcpus") { Description = "vCPUs making them, one call at a time each", DefaultValueFactory = _ => 8 };
        var callTimeout = new Option<double>("--call-timeout") { Description = "seconds without an answer before a call is sent again", DefaultValueFactory = _ => 1.0 };
        var certificate = ClusterOptions.Certificate();
        var password = ClusterOptions.CertificatePassword();
        var command = new Command("workload", "run a mapping workload on a host of a running cluster and check that nothing acknowledged is lost")
            { seeds, host, calls, vcpus, callTimeout, certificate, password };
        command.SetAction(async (parse, cancel) =>
        {
            var seedList = ClusterOptions.CheckSeeds(parse.GetValue(seeds), out var error);
            var config = seedList is null ? null : JournalOptions.Config("memory", fresh: false, out error);
            var (n, v) = (parse.GetValue(calls), parse.GetValue(vcpus));
            if (config is not null && (n is < 1 or > 262144 || v is < 1 or > 1024))
                (config, error) = (null, $"--calls {n} --vcpus {v}: expected 1 to 262144 calls over 1 to 1024 vCPUs");
            if (config is null)
            {
                await Console.Error.WriteLineAsync(error);
                return 2;
            }
            return await ClusterOptions.AsClient(seedList!, parse.GetValue(certificate), parse.GetValue(password), config, async node =>
            {
                var h = parse.GetValue(host)!;
                var timeout = TimeSpan.FromSeconds(parse.GetValue(callTimeout));
                await MappingWorkload.SetUp(node.Runtime, h, v);
                var where = await node.Runtime.Host(h).Ask<HostLocation>(WhereIsHost.Instance, TimeSpan.FromSeconds(10));
                Console.WriteLine($"host {h} on {where.Node}: {n} calls over {v} vCPUs");
                // A line every tenth of the calls: scripts wait for it to act mid-run.
                var acknowledged = 0L;
                var report = await MappingWorkload.Run(node.Runtime, h, n, v, timeout, cancel: cancel, progress: _ =>
                {
                    var done = Interlocked.Increment(ref acknowledged);
                    if (done % Math.Max(1, n / 10) == 0) Console.WriteLine($"acknowledged {done} of {n}");
                });
                where = await node.Runtime.Host(h).Ask<HostLocation>(WhereIsHost.Instance, TimeSpan.FromSeconds(10));
                Console.WriteLine(report);
                Console.WriteLine($"host {h} now on {where.Node}; the longest pause a guest vCPU saw: {report.LongestPause.TotalMilliseconds:0} ms");
                return report.Passed ? 0 : 1;
            });
        });
        return command;
    }
}
