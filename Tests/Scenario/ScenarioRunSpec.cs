using Akka.TestKit.Xunit2;
using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Hosting.Scenario;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Scenario;

/// <summary>
/// `fabric run` on an in-memory fabric: every workload's calls are made and answered, devices
/// DMA, and the report adds up; under every fault at once the invariants still hold.
/// </summary>
public sealed class ScenarioRunSpec : TestKit
{
    public ScenarioRunSpec() : base(ConfigurationFactory.ParseString("""
        fabric.hcall-timeout = 1s
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

    [Fact]
    public async Task Under_every_fault_at_once_no_invariant_is_violated()
    {
        var r = await Run($$"""
            scenario {
              seed = 9
              calls = 3000
            {{Topology}}
              faults {
                lost { kind = kill-drop, rate = 0.05 }
                late { kind = kill-delay, rate = 0.05, delay = 2ms }
                twice { kind = kill-duplicate, rate = 0.05 }
                crashes { kind = crash, every = 5ms }
                freezes { kind = freeze, every = 200ms, pe = 3 }
              }
            }
            """);

        Assert.Empty(r.Violations);
        Assert.True(r.Crashes.Values.Sum() > 10, $"only {r.Crashes.Values.Sum()} crashes were injected");
        var kills = r.KillFaults["h0"];
        Assert.True(kills.Dropped + kills.Delayed + kills.Duplicated > 0);
        // Every call was made: answered, or abandoned by a vCPU that crashed with it in flight.
        Assert.Equal(3000, r.Calls + r.Stats.AbandonedCalls);
    }
}
