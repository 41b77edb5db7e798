using Fabric.Hosting.Scenario;
using Fabric.Messages;

namespace Fabric.Tests.Scenario;

/// <summary>Hosts written once with a count, their VMs and workloads copied to each; pseries-boot workloads and PHB page sizes.</summary>
public sealed class ScenarioReplicasTests
{
    private const string Good = """
        scenario {
          calls = 100
          hosts {
            h { count = 3, pes = [1, 2] }
            solo { pes = [1] }
          }
          vms {
            g { host = h, ram = 1G, phbs = [1], phb-page-sizes = [4K, 64K], windows { dma { liobn = 0x80000100, pes = [1] } } }
            s { host = solo, ram = 1G, phbs = [2], windows { dma { liobn = 0x1, pes = [1] } } }
          }
          workloads {
            boot { kind = pseries-boot }
            net { kind = network, vm = g }
            disk { kind = storage, vm = s }
          }
          faults { freezes { kind = freeze, every = 1s, host = h, pe = 1 } }
        }
        """;

    private static Fabric.Hosting.Scenario.Scenario Read(string text) => ScenarioFile.Parse("/s/test.hocon", text);

    [Fact]
    public void A_host_with_a_count_is_that_many_hosts_each_with_copies_of_its_VMs_workloads_and_faults()
    {
        var s = Read(Good);
        Assert.Equal(["h0", "h1", "h2", "solo"], s.Hosts.Select(h => h.Name));
        Assert.All(s.Hosts.Take(3), h => Assert.Equal([1, 2], h.Pes.Select(p => p.Group)));
        Assert.Equal([("g-h0", "h0"), ("g-h1", "h1"), ("g-h2", "h2"), ("s", "solo")], s.Vms.Select(v => (v.Name, v.Host)));
        Assert.Equal(0x3UL, s.Vms[0].Phbs.Single().PageSizeMask);
        Assert.Equal(AddPhb.DefaultPageSizeMask, s.Vms[3].Phbs.Single().PageSizeMask);
        Assert.Equal([("boot", null), ("net-h0", "g-h0"), ("net-h1", "g-h1"), ("net-h2", "g-h2"), ("disk", "s")],
            s.Workloads.Select(w => (w.Name, w.Vm)));
        Assert.Equal(WorkloadKind.PseriesBoot, s.Workloads[0].Kind);
        Assert.Equal(["h0", "h1", "h2"], s.Faults.Select(f => f.Host));
        // The boot is no driver: the plan shares vCPUs and windows among the others only.
        Assert.Equal(4, WorkloadPlan.Of(s).Count);
    }

    [Fact]
    public void A_scenario_of_boots_only_needs_no_call_budget_or_duration()
    {
        var s = Read("""
            scenario {
              hosts { h0 { pes = [1] } }
              vms { g { host = h0, ram = 1G, phbs = [1] } }
              workloads { boot { kind = pseries-boot, vm = g } }
            }
            """);
        Assert.Equal(((long?)null, (TimeSpan?)null), (s.Calls, s.Duration));
    }

    [Theory]
    [InlineData("count = 3,", "count = 0,", 4, "scenario.hosts.h.count: expected between 1 and 4096 hosts")]
    [InlineData("solo", "h1", 5, "scenario.hosts.h1: the copies of a host with count = are named NAME0, NAME1, ...; two hosts end up with one name (h1): rename one")]
    [InlineData("[4K, 64K]", "[4K, 8K]", 8, "scenario.vms.g.phb-page-sizes: 8K is not a page size a PHB offers")]
    [InlineData("boot { kind = pseries-boot }", "boot { kind = pseries-boot, vm = s, window = dma }", 12, "scenario.workloads.boot.window: unknown key")]
    [InlineData("phbs = [2], ", "", 12, "")]
    [InlineData("calls = 100", "", 1, "scenario: says neither calls nor duration")]
    public void A_mistake_names_the_file_the_line_the_key_and_the_fix(string good, string bad, int line, string message)
    {
        var text = Good.Replace(good, bad);
        if (message == "")
        {
            // Without a PHB on s, a boot of s alone is refused; the boot of every VM skips it.
            text = text.Replace("boot { kind = pseries-boot }", "boot { kind = pseries-boot, vm = s }");
            message = "scenario.workloads.boot.vm: VM s has no PHB to boot on; give it phbs = [1]";
        }
        var error = Assert.Throws<ScenarioException>(() => Read(text)).Message;
        Assert.StartsWith($"/s/test.hocon:{line}: ", error);
        Assert.Contains(message, error);
    }
}
