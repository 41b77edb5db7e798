using Fabric.Tests.Support;

namespace Fabric.Tests.Cli;

/// <summary>
/// `fabric run` of a small EEH scenario as a user runs it: the console report has the guest PE's
/// line and the EEH timeline, and the --report page plots it.
/// </summary>
public sealed class RunEehTimelineCliTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    private const string Scenario = """
        scenario {
          seed = 2
          duration = 1s
          durability = off
          hosts { h0 { pes = [1, 2] } }
          vms {
            g1 { host = h0, ram = 1G, vcpus = 2, windows { dma { liobn = 0x1, size = 256M, pes = [1, 2], guest-pe = 1 } } }
          }
          workloads {
            net { kind = network, vm = g1 }
            eeh { kind = eeh-recovery, vm = g1, enable = off }
          }
          faults {
            f { kind = freeze, every = 300ms, host = h0, pe = 2 }
          }
        }
        """;

    [Fact]
    public async Task The_console_report_has_the_EEH_timeline_and_the_page_plots_it()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-run-eeh");
        try
        {
            var file = Path.Combine(dir.FullName, "eeh.hocon");
            var page = Path.Combine(dir.FullName, "eeh.html");
            await File.WriteAllTextAsync(file, Scenario);

            var run = await FabricProcess.RunAsync(Limit, new Dictionary<string, string>(), "run", file, "--journal", "memory", "--report", page);

            Assert.True(run.Exit == 0, $"exit {run.Exit}\n{run.Out}\n{run.Err}");
            var words = string.Join(' ', run.Out.Split((char[])[' ', '\n', '\r', '│'], StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("EEH g1 guest PE 1 (host PEs 1, 2):", words);
            Assert.Contains("0 given up", words);
            Assert.Contains("host PEs at the end: normal, normal", words);
            Assert.Contains("EEH timeline", words);
            Assert.Contains("Freeze: h0 pe 2 frozen by f", words);
            Assert.Contains("GuestEvent: EEH event 1 to the guest", words);
            Assert.Contains("Recovered: recovered", words);
            var html = await File.ReadAllTextAsync(page);
            Assert.Contains("aria-label=\"EEH timeline\"", html);
            Assert.Contains("EEH event 1 to the guest", html);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
