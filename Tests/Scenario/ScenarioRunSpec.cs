using Akka.TestKit.Xunit2;
using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Hosting.Scenario;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;

namespace Fabric.Tests.Scenario;

/// <summary>
/// `fabric run` on an in-memory fabric: every workload's calls are made and answered, devices
/// DMA, and the report adds up; under every fault at once the invariants still hold.
/// </summary>
public sealed class ScenarioRunSpec : TestKit
{
    public ScenarioRunSpec() : base(ConfigurationFactory.ParseString("""
        fabric.hcall-timeout = 3s
        fabric.kill-retry = 50ms
        """).WithFallback(TestConfigs.InMemory())) { }

    private const string Topology = """
          hosts { h0 { pes = [1, 2, 3, 4] } }
          vms {
            g1 { host = h0, ram = 256M, vcpus = 4, windows { dma { liobn = 0x1, size = 64M, pes = [1, 2] } } }
            g2 { host = h0, ram = 256M, vcpus = 4, windows { dma { liobn = 0x2, size = 64M, pes = [3, 4] } } }
          }
          workloads {
            net { kind = network, vm = g1, vcpus = 2 }
            disk { kind = storage, vm = g1, vcpus = 2 }
            slof { kind = firmware, vm = g2, vcpus = 2 }
            hostile { kind = adversarial, vm = g2, vcpus = 2 }
          }
        """;

    private async Task<RunReport> Run(string text)
    {
        var scenario = ScenarioFile.Parse("/s/test.hocon", text);
        return await new ScenarioRunner(new FabricRuntime(Sys), scenario).Run();
    }

    [Fact]
    public async Task Every_call_of_the_budget_is_made_and_answered_and_the_report_adds_up()
    {
        var r = await Run($"scenario {{\n  seed = 5\n  calls = 4000\n{Topology}\n}}");

        Assert.Equal(4000, r.Calls);
        Assert.Equal(4000, r.CallsByKind.Sum(c => c.Count));
        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Exit);
        // The drivers' calls all succeed; the hostile guest's get their defined error codes.
        var failures = r.CallsByKind.Where(c => c.Ret != HcallReturn.Success).ToList();
        Assert.NotEmpty(failures);
        Assert.All(failures, c => Assert.True(c.Ret is HcallReturn.Parameter, $"{c.Kind} returned {c.Ret}"));
        Assert.Contains(r.CallsByKind, c => c is { Kind: "H_PUT_TCE_INDIRECT", Ret: HcallReturn.Success });
        Assert.Contains(r.CallsByKind, c => c is { Kind: "H_STUFF_TCE", Ret: HcallReturn.Success });
        Assert.True(r.Stats.DmaCount > 0);
        Assert.True(r.Stats.HopLatency[0].Count > 0);
        Assert.Contains("<svg", HtmlReport.Render(r));
    }

    private const string EveryFault = """
          faults {
            lost { kind = kill-drop, rate = 0.05 }
            late { kind = kill-delay, rate = 0.05, delay = 2ms }
            twice { kind = kill-duplicate, rate = 0.05 }
            crashes { kind = crash, every = 20ms }
            freezes { kind = freeze, every = 200ms, pe = 3 }
          }
        """;

    [Fact]
    public async Task Under_every_fault_at_once_no_invariant_is_violated()
    {
        var r = await Run($"scenario {{\n  seed = 9\n  calls = 600\n{Topology}\n{EveryFault}\n}}");

        Assert.Empty(r.Violations);
        Assert.True(r.Crashes.Values.Sum() > 0, "no crash was injected");
        var kills = r.KillFaults["h0"];
        Assert.True(kills.Dropped > 0 && kills.Delayed > 0 && kills.Duplicated > 0, $"kill faults: {kills.Dropped}/{kills.Delayed}/{kills.Duplicated}");
        // Every call was made: answered, or abandoned by a vCPU that crashed with it in flight.
        Assert.Equal(600, r.Calls + r.Stats.AbandonedCalls);
    }

    private const string StrictSettings = """
        akka.loglevel = WARNING
        fabric.durability = strict
        fabric.hcall-timeout = 3s
        fabric.kill-retry = 50ms
        """;

    [Fact]
    public async Task A_strict_run_with_crashes_loses_no_acknowledged_call_from_its_journal()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-run");
        try
        {
            await StrictRunLosesNothing(FabricConfig.Build(JournalKind.Sqlite, Path.Combine(dir.FullName, "run.db"),
                ConfigurationFactory.ParseString(StrictSettings)));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [PostgresFact]
    public async Task A_strict_run_on_postgres_is_checked_against_its_own_schema()
    {
        var journal = PostgresServer.Journal("scenario");
        try
        {
            await StrictRunLosesNothing(PostgresServer.Config(journal, StrictSettings));
        }
        finally
        {
            PostgresServer.Drop(journal);
        }
    }

    private static async Task StrictRunLosesNothing(Config config)
    {
        var crashes = "faults { crashes { kind = crash, every = 50ms } }";
        var scenario = ScenarioFile.Parse("/s/test.hocon", $"scenario {{\n  seed = 4\n  calls = 200\n{Topology}\n{crashes}\n}}");
        RunReport r;
        await using (var fabric = new FabricRuntime(config, "strict-run"))
            r = await new ScenarioRunner(fabric, scenario).Run();

        Assert.Empty(r.Violations);
        var j = Assert.IsType<AcknowledgedCheck>(r.Journaled);
        // Some calls are lost with their crashed tables (H_HARDWARE); a quarter must get through.
        Assert.True(j.Acknowledged > 50, $"only {j.Acknowledged} calls were acknowledged");
        Assert.Equal((0L, (string?)null), (j.Lost, j.FirstLost));
        Assert.True(j.Journaled >= j.Acknowledged);
    }
}
