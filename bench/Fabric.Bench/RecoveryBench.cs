using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Vcpu;
using Microsoft.Data.Sqlite;

namespace Fabric.Bench;

/// <summary>
/// Recovery of a VM with 1 M mapped TCEs: a guest maps 4 GiB of 4K pages with
/// H_PUT_TCE_INDIRECT(512) on the SQLite journal (as Linux maps all RAM through its DDW
/// window), the fabric is stopped, and a new one is timed until its first answer.
/// </summary>
public static class RecoveryBench
{
    private const ulong Liobn = 0x2000;
    private const int Vcpus = 16;
    private const ulong Entries = 1UL << 20;

    public static async Task Run()
    {
        var file = Path.Combine(Path.GetTempPath(), $"fabric-recovery-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
        var config = FabricConfig.Build(JournalKind.Sqlite, file, ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
        try
        {
            await using (var build = new FabricRuntime(config, "build"))
            {
                await Ok(build, new CreateVm("g", 8UL << 30, Vcpus));
                await Ok(build, new CreateTceTable("g", Liobn, 12, 0, Entries, 0));
                var ram = build.Memory("h0").GuestRams["g"];
                for (var v = 0; v < Vcpus; v++)
                    for (ulong i = 0; i < 512; i++)
                        ram.WriteBe64(TceList(v) + i * 8, ((((ulong)v << 9) + i + 1) << 12) | 3);
                var calls = (long)(Entries / 512) / Vcpus;
                var runs = new List<Task<WorkloadDone>>();
                for (var v = 0; v < Vcpus; v++)
                {
                    var vcpu = v;
                    var actor = await build.System.ActorSelection($"/user/host-h0/vm-g/vcpu-{v}").ResolveOne(TimeSpan.FromSeconds(5));
                    runs.Add(actor.Ask<WorkloadDone>(new RunWorkload(
                        i => new HPutTceIndirect(Liobn, (ulong)(i * Vcpus + vcpu) << 9 << 12, TceList(vcpu), 512), calls), TimeSpan.FromMinutes(5)));
                }
                var done = await Task.WhenAll(runs);
                var failed = done.Where(d => d.Failed > 0).ToArray();
                if (failed.Length > 0)
                    Console.WriteLine($"recovery: {failed.Sum(d => d.Failed)} of the mapping calls failed (first: {failed[0].FirstFailure} on vCPU {failed[0].Vcpu}); timing recovery anyway");
            }

            var sw = Stopwatch.StartNew();
            await using var again = new FabricRuntime(config, "recover");
            var last = (HcallResult)await again.Hcall("h0", "g", 0, new HGetTce(Liobn, (Entries - 1) << 12));
            var seconds = sw.Elapsed.TotalSeconds;
            if (last.Ret != HcallReturn.Success) throw new InvalidOperationException($"the recovered table did not answer: {last}");
            Console.WriteLine($"recovery of a VM with {Entries:N0} mapped TCEs ({Entries / 512:N0} journaled calls, SQLite): {seconds:F2} s to the first answer");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in new[] { file, file + "-wal", file + "-shm" }) File.Delete(f);
        }
    }

    private static ulong TceList(int vcpu) => 0x1000_0000UL + (ulong)vcpu * 0x1000;

    private static async Task Ok(FabricRuntime f, IHostCommand c)
    {
        var r = await f.Setup("h0", c);
        if (!r.Succeeded) throw new InvalidOperationException($"{c}: {r}");
    }
}
