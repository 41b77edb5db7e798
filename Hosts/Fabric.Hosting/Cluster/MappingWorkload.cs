using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Fabric.Messages;

namespace Fabric.Hosting.Cluster;

/// <summary>What a <see cref="MappingWorkload"/> run saw.</summary>
/// <param name="Acknowledged">Calls the fabric answered H_SUCCESS.</param>
/// <param name="Retried">Calls sent again because no answer came in time (their host was moving).</param>
/// <param name="LongestPause">The longest time any guest vCPU waited for an answer, retries included.</param>
/// <param name="Lost">Acknowledged mappings that H_GET_TCE no longer returns after the run.</param>
public sealed record WorkloadReport(string Host, long Acknowledged, long Retried, TimeSpan LongestPause, TimeSpan Elapsed, long Lost, InvariantViolation[] Violations)
{
    public double CallsPerSecond => Acknowledged / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public bool Passed => Lost == 0 && Violations.Length == 0;

    public override string ToString() =>
        $"host {Host}: {Acknowledged} calls acknowledged ({CallsPerSecond:0} /s), {Retried} retried, longest pause {LongestPause.TotalMilliseconds:0} ms, " +
        $"{Lost} acknowledged mappings lost, {Violations.Length} invariant violations";
}

/// <summary>
/// A guest that maps pages as fast as its vCPUs can: VM g on a host with one KVM table
/// (LIOBN 0x1000, 1 GiB of 4K TCEs) bound to a container of two host PEs, each vCPU issuing
/// H_PUT_TCE for its own pages. A call with no answer in time is sent again (H_PUT_TCE of the
/// same value is idempotent), which is how it rides over its host moving to another node. At
/// the end every acknowledged mapping is read back with H_GET_TCE and the host's invariants
/// are checked: an acknowledged call that did not survive is counted as lost.
/// </summary>
public static class MappingWorkload
{
    public const string Vm = "g";
    public const ulong Liobn = 0x1000;
    private const ulong Gib = 1UL << 30;
    private const long Pages = (long)(Gib >> 12);

    /// <summary>The topology, on <paramref name="host"/>; a host that already has it (recovered) is left as it is.</summary>
    public static async Task SetUp(FabricRuntime fabric, string host, int vcpus)
    {
        var first = await fabric.Setup(host, new CreateVm(Vm, 2 * Gib, vcpus));
        if (first.Error == Errno.EEXIST) return;
        Check(first, "CreateVm");
        Check(await fabric.Setup(host, new CreateTceTable(Vm, Liobn, 12, 0, (ulong)Pages, 0)), "CreateTceTable");
        Check(await fabric.Setup(host, new AddHostPe(1, 0)), "AddHostPe 1");
        Check(await fabric.Setup(host, new AddHostPe(2, 0)), "AddHostPe 2");
        Check(await fabric.Setup(host, new CreateContainer("c0", [1, 2], [new HardwareWindow(0, 12, 0, (ulong)Pages)])), "CreateContainer");
        Check(await fabric.Setup(host, new BindGroupToLiobn(Vm, Liobn, 1)), "BindGroupToLiobn");
    }

    /// <summary>The TCE call <paramref name="i"/> writes: a distinct guest page, read and write.</summary>
    public static HPutTce Call(long i) => new(Liobn, (ulong)(i % Pages) << 12, ((ulong)((i * 7 + 1) % Pages) << 12) | 3);

    /// <summary>
    /// <paramref name="calls"/> calls over <paramref name="vcpus"/> vCPUs (each one call at a time);
    /// <paramref name="callTimeout"/> is how long an answer is waited for before the call is sent again.
    /// <paramref name="progress"/>, if given, is told each acknowledged call's index.
    /// </summary>
    public static async Task<WorkloadReport> Run(FabricRuntime fabric, string host, long calls, int vcpus, TimeSpan callTimeout,
        Action<long>? progress = null, CancellationToken cancel = default)
    {
        var acked = new ConcurrentDictionary<long, byte>();
        long retried = 0, longestTicks = 0;
        var route = fabric.Host(host);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, vcpus).Select(v => Task.Run(async () =>
        {
            for (long i = v; i < calls; i += vcpus)
            {
                var started = Stopwatch.GetTimestamp();
                while (true)
                {
                    cancel.ThrowIfCancellationRequested();
                    object reply;
                    try
                    {
                        reply = await route.Ask<object>(new RunHcall(Vm, v, Call(i)), callTimeout, cancel);
                    }
                    catch (AskTimeoutException)
                    {
                        Interlocked.Increment(ref retried);
                        continue;
                    }
                    if (reply is not HcallResult { Ret: HcallReturn.Success })
                        throw new InvalidOperationException($"host {host}: call {i} ({Call(i)}) answered {reply}");
                    break;
                }
                var waited = Stopwatch.GetTimestamp() - started;
                for (var seen = Interlocked.Read(ref longestTicks); waited > seen; seen = Interlocked.Read(ref longestTicks))
                    if (Interlocked.CompareExchange(ref longestTicks, waited, seen) == seen) break;
                acked[i] = 0;
                progress?.Invoke(i);
            }
        }, cancel)));
        var elapsed = clock.Elapsed;
        var lost = await Lost(fabric, host, acked.Keys, vcpus, callTimeout);
        var report = await fabric.Host(host).Ask<InvariantReport>(GetInvariantReport.Instance, TimeSpan.FromSeconds(30));
        return new WorkloadReport(host, acked.Count, retried, Stopwatch.GetElapsedTime(0, longestTicks), elapsed, lost, report.Violations);
    }

    /// <summary>Acknowledged mappings that H_GET_TCE does not return any more (the last write of each page counts).</summary>
    private static async Task<long> Lost(FabricRuntime fabric, string host, ICollection<long> acked, int vcpus, TimeSpan callTimeout)
    {
        // A page written twice (calls past the table's size) must hold the later value.
        var last = acked.GroupBy(i => i % Pages).Select(g => g.Max()).ToArray();
        long lost = 0;
        var route = fabric.Host(host);
        await Parallel.ForEachAsync(last, new ParallelOptions { MaxDegreeOfParallelism = vcpus }, async (i, ct) =>
        {
            var put = Call(i);
            var get = (HcallResult)await route.Ask<object>(new RunHcall(Vm, (int)(i % vcpus), new HGetTce(Liobn, put.Ioba)), callTimeout * 10, ct);
            if (get.Ret != HcallReturn.Success || get.R4 != put.Tce) Interlocked.Increment(ref lost);
        });
        return lost;
    }

    private static void Check(SetupResult r, string what)
    {
        if (!r.Succeeded) throw new InvalidOperationException($"{what}: {r.Error} {r.Detail}");
    }
}
