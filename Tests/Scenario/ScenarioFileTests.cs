using Fabric.Hosting.Scenario;

namespace Fabric.Tests.Scenario;

/// <summary>
/// A scenario file that cannot run is refused before anything starts, with the file, the line,
/// the key and the fix; a good one reads into the topology, workloads and faults it says.
/// </summary>
public sealed class ScenarioFileTests
{
    private const string Good = """
        scenario {
          seed = 3
          calls = 1000
          hosts {
            h0 { pes = [1, 2] }
          }
          vms {
            g1 {
              host = h0
              ram = 1G
              vcpus = 2
              windows {
                dma { liobn = 0x1, size = 256M, pes = [1, 2], guest-pe = 1 }
              }
            }
          }
          workloads {
            net { kind = network, vm = g1 }
          }
          faults {
            crashes { kind = crash, every = 10ms, actors = [tce-table, vcpu] }
          }
        }
        """;

    private static Fabric.Hosting.Scenario.Scenario Read(string text) => ScenarioFile.Parse("/s/test.hocon", text);

    private static string Refused(string text) => Assert.Throws<ScenarioException>(() => Read(text)).Message;

    [Fact]
    public void A_good_scenario_reads_into_its_topology_workloads_and_faults()
    {
        var s = Read(Good);
        Assert.Equal((3, 1000L, (TimeSpan?)null), (s.Seed, s.Calls!.Value, s.Duration));
        var vm = Assert.Single(s.Vms);
        Assert.Equal(("h0", 1UL << 30, 2), (vm.Host, vm.RamBytes, vm.Vcpus));
        var w = Assert.Single(vm.Windows);
        Assert.Equal((1UL, 12, 256UL << 20, 65536UL, 1), (w.Liobn, w.PageShift, w.Size, w.Entries, w.GuestPe!.Value));
        Assert.Equal([1, 2], w.Pes);
        Assert.Equal(WorkloadKind.Network, Assert.Single(s.Workloads).Kind);
        var f = Assert.Single(s.Faults);
        Assert.Equal((FaultKind.Crash, TimeSpan.FromMilliseconds(10)), (f.Kind, f.Every));
        Assert.Equal(["tce-table", "vcpu"], f.Actors);
    }

    [Theory]
    [InlineData("calls = 1000", "", 1, "scenario: says neither calls nor duration")]
    [InlineData("ram = 1G", "ram = lots", 10, "scenario.vms.g1.ram: expected a size above 0 such as 4096, 64K, 2G or 1T, not lots")]
    [InlineData("vcpus = 2", "vcpu = 2", 11, "scenario.vms.g1.vcpu: unknown key; g1 takes host, ram, vcpus")]
    [InlineData("host = h0", "host = h9", 9, "scenario.vms.g1.host: no host named h9; the hosts are h0")]
    [InlineData("pes = [1, 2], guest-pe", "pes = [1, 7], guest-pe", 13, "host h0 has no PE 7")]
    [InlineData("kind = network", "kind = gaming", 18, "gaming is not one of network, storage, firmware, adversarial, trace")]
    [InlineData("vm = g1 }", "vm = g9 }", 18, "no VM named g9; the VMs are g1")]
    [InlineData("every = 10ms,", "every = soon,", 21, "expected a duration such as 30s, 500ms or 2m, not soon")]
    [InlineData("actors = [tce-table, vcpu]", "actors = [hypervisor]", 21, "hypervisor is not one of tce-table, router, vcpu, host-pe, kill-register")]
    [InlineData("size = 256M", "size = 4097", 13, "size and offset must be multiples of the page size")]
    public void A_mistake_names_the_file_the_line_the_key_and_the_fix(string good, string bad, int line, string message)
    {
        var error = Refused(Good.Replace(good, bad));
        Assert.StartsWith($"/s/test.hocon:{line}: ", error);
        Assert.Contains(message, error);
    }

    [Fact]
    public void A_journal_fail_fault_reads_and_needs_a_rate_or_a_period()
    {
        var crashes = "crashes { kind = crash, every = 10ms, actors = [tce-table, vcpu] }";
        var f = Read(Good.Replace(crashes, "journal { kind = journal-fail, rate = 0.001, every = 2s }")).Faults.Single();
        Assert.Equal((FaultKind.JournalFail, 0.001, TimeSpan.FromSeconds(2)), (f.Kind, f.Rate, f.Every));
        Assert.Contains("scenario.faults.journal: a journal-fail fault needs rate = ", Refused(Good.Replace(crashes, "journal { kind = journal-fail }")));
        Assert.Contains("more than one journal-fail fault",
            Refused(Good.Replace(crashes, "a { kind = journal-fail, rate = 0.1 }\n b { kind = journal-fail, every = 1s }")));
    }

    [Fact]
    public void A_cluster_scenario_reads_its_members_and_node_kills_and_refuses_what_needs_the_hosts_here()
    {
        const string crashes = "crashes { kind = crash, every = 10ms, actors = [tce-table, vcpu] }";
        var cluster = Good.Replace("calls = 1000", "calls = 1000\n  cluster { nodes = 3 }");
        var s = Read(cluster.Replace(crashes, "down { kind = node-kill, at = 8s, node = 2 }"));
        Assert.Equal(new ClusterSpec(3, 4053), s.Cluster);
        var kill = Assert.Single(s.Faults);
        Assert.Equal((FaultKind.NodeKill, TimeSpan.FromSeconds(8), (int?)2), (kill.Kind, kill.At, kill.Node));

        Assert.Contains("scenario.faults.crashes: a crash fault reaches the hosts' actors and memory in this process; on a cluster a scenario can have node-kill and freeze faults",
            Refused(cluster));
        Assert.Contains("scenario.faults.down: a node-kill fault needs the scenario to run on a cluster; add `cluster { nodes = 3 }`",
            Refused(Good.Replace(crashes, "down { kind = node-kill, at = 8s }")));
        Assert.Contains("scenario.faults.down: a node-kill fault needs at = ",
            Refused(cluster.Replace(crashes, "down { kind = node-kill }")));
        Assert.Contains("scenario.faults: kills 2 of 3 nodes; the survivors must be a majority",
            Refused(cluster.Replace(crashes, "a { kind = node-kill, at = 1s }\n b { kind = node-kill, at = 2s }")));
        Assert.Contains("scenario.faults.down.node: node 4: the cluster has nodes 1 to 3",
            Refused(cluster.Replace(crashes, "down { kind = node-kill, at = 8s, node = 4 }")));
        Assert.Contains("scenario.cluster.nodes: 0 nodes: expected 1 to 16",
            Refused(Good.Replace("calls = 1000", "calls = 1000\n  cluster { nodes = 0 }").Replace(crashes, "")));
        Assert.Contains("scenario.journal: a cluster's members share one journal",
            Refused(cluster.Replace(crashes, "").Replace("seed = 3", "seed = 3\n  journal = memory")));
    }

    [Fact]
    public void An_unclosed_brace_is_refused_instead_of_hanging_the_parser()
    {
        // The `}` meant for h0 closes it, so the one left open is the scenario's own.
        var error = Refused(Good.Replace("h0 { pes = [1, 2] }", "h0 { pes = [1, 2]"));
        Assert.Equal("/s/test.hocon:1: not valid HOCON: the '{' here is never closed", error);
    }

    [Fact]
    public void A_PE_given_to_two_windows_is_refused_naming_both()
    {
        var error = Refused(Good.Replace("dma { liobn = 0x1, size = 256M, pes = [1, 2], guest-pe = 1 }",
            "dma { liobn = 0x1, size = 256M, pes = [1, 2] }\n        more { liobn = 0x2, size = 256M, pes = [2] }"));
        Assert.Contains("scenario.vms.g1.windows.more.pes: PE 2 of host h0 is already given to g1.windows.dma", error);
    }

    [Fact]
    public void A_trace_workload_names_a_file_relative_to_the_scenario()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-scenario");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "t.trace"), "vm name=t ram=1G\n");
            var path = Path.Combine(dir.FullName, "s.hocon");
            File.WriteAllText(path, Good.Replace("net { kind = network, vm = g1 }", "t { kind = trace, file = \"t.trace\" }"));
            Assert.Equal(Path.Combine(dir.FullName, "t.trace"), Assert.Single(ScenarioFile.Load(path).Workloads).TraceFile);
            File.WriteAllText(path, Good.Replace("net { kind = network, vm = g1 }", "t { kind = trace, file = \"missing.trace\" }"));
            Assert.Contains("scenario.workloads.t.file: no trace file", Assert.Throws<ScenarioException>(() => ScenarioFile.Load(path)).Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Every_shipped_scenario_reads()
    {
        var dir = Path.Combine(Fabric.Tests.Support.RepoRoot.Path, "config", "scenarios");
        var files = Directory.GetFiles(dir, "*.hocon");
        Assert.NotEmpty(files);
        foreach (var f in files) ScenarioFile.Load(f);
    }
}
