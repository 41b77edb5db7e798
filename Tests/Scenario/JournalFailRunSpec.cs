using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Hosting.Replay;
using Fabric.Hosting.Scenario;
using Fabric.Persistence;

namespace Fabric.Tests.Scenario;

/// <summary>
/// `fabric run`'s journal-fail fault on a strict SQLite run: writes of tables and
/// PEs fail or are rejected, and still every call a guest was answered is in the journal, no
/// invariant is violated, and `fabric replay` of the journal (PEs snapshotting every few
/// records) reads every row and finds it clean.
/// </summary>
public sealed class JournalFailRunSpec
{
    private const string Text = """
        scenario {
          seed = 5
          calls = 200
          durability = strict
          hcall-timeout = 500ms
          hosts { h0 { pes = [1, 2, 3, 4] } }
          vms {
            g1 { host = h0, ram = 256M, vcpus = 4, windows { dma { liobn = 0x1, size = 64M, pes = [1, 2] } } }
            g2 { host = h0, ram = 256M, vcpus = 2, windows { dma { liobn = 0x2, size = 64M, pes = [3, 4] } } }
          }
          workloads {
            net { kind = network, vm = g1, vcpus = 2 }
            disk { kind = storage, vm = g1, vcpus = 2 }
            slof { kind = firmware, vm = g2, vcpus = 2 }
          }
          faults {
            journal { kind = journal-fail, rate = 0.04 }
          }
        }
        """;

    [Fact]
    public async Task Failed_journal_writes_lose_no_acknowledged_call_and_replay_verifies_the_journal()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-journal-fail");
        try
        {
            var file = Path.Combine(dir.FullName, "run.db");
            var scenario = ScenarioFile.Parse("/s/journal-fail.hocon", Text);
            var config = FabricConfig.Build(JournalKind.Sqlite, file, ScenarioConfig.Overrides(scenario).WithFallback(
                ConfigurationFactory.ParseString("""
                    akka.loglevel = OFF
                    fabric.kill-retry = 50ms
                    fabric.pe-snapshot-every = 5
                    """)));
            RunReport r;
            await using (var fabric = new FabricRuntime(config, "journal-fail"))
                r = await new ScenarioRunner(fabric, scenario).Run();

            Assert.Empty(r.Violations);
            var faults = Assert.IsType<JournalFaults>(r.JournalFaults);
            Assert.True(faults.Failed > 0 && faults.Rejected > 0, $"{faults.Failed} writes failed, {faults.Rejected} rejected");
            var j = Assert.IsType<AcknowledgedCheck>(r.Journaled);
            Assert.True(j.Acknowledged > 50, $"only {j.Acknowledged} calls were acknowledged");
            Assert.Equal((0L, (string?)null), (j.Lost, j.FirstLost));

            var output = new StringWriter();
            var errors = new StringWriter();
            var exit = await new ReplayRunner(output, errors).Run(file, new ReplayOptions());
            Assert.True(exit == ReplayExit.Clean, $"replay exit {exit}: {errors}{output}");
            Assert.Contains("bad rows skipped 0", output.ToString());
            // Every DMA record is still in the journal for replay, snapshots or not.
            Assert.Matches(@"\ndmas [1-9]\d*:", output.ToString());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }
}
