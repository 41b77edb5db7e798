using System.Text;
using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests.Cli;

/// <summary>
/// Kill -9 the fabric in the middle of a workload and start it again on its journal: every call
/// that was acknowledged to the guest (strict durability) is in the recovered state.
/// </summary>
public sealed class KilledProcessDurabilityTests : IDisposable
{
    private const int Calls = 5_000;
    private const int KillAfter = 200;
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("fabric-kill-");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Delete(recursive: true);
    }

    private static ulong TceOf(int i) => ((ulong)(i + 1) << 12) | 3;

    [Fact]
    public async Task every_call_acknowledged_before_a_kill_is_in_the_journal_and_in_the_recovered_state()
    {
        var trace = new StringBuilder("vm name=g ram=2G\ntce-table liobn=0xa page_shift=12 offset=0 size=0x40000\n");
        for (var i = 0; i < Calls; i++) trace.Append($"H_PUT_TCE liobn=0xa ioba=0x{(ulong)i << 12:x} tce=0x{TceOf(i):x}\n");
        var file = Path.Combine(_temp.FullName, "work.trace");
        await File.WriteAllTextAsync(file, trace.ToString());
        var journal = Path.Combine(_temp.FullName, "run.db");

        var acknowledged = new List<int>();
        using (var process = FabricProcess.Start("trace", file, "--journal", journal))
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (acknowledged.Count < KillAfter && await process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
            {
                Assert.EndsWith(" ret=0", line);
                acknowledged.Add(acknowledged.Count);
            }
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(limit.Token);
            Assert.NotEqual(0, process.ExitCode);
        }
        Assert.Equal(KillAfter, acknowledged.Count);

        var config = FabricConfig.Build(JournalKind.Sqlite, journal, ConfigurationFactory.ParseString("akka.loglevel = WARNING"));
        await using var again = new FabricRuntime(config, "again");
        foreach (var i in acknowledged)
        {
            var get = (HcallResult)await again.Hcall("h0", "g", 0, new HGetTce(0xa, (ulong)i << 12));
            Assert.True(get.R4 == TceOf(i), $"call {i} was acknowledged before the kill but reads back 0x{get.R4:x}");
        }
    }
}
