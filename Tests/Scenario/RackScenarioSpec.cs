using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Hosting.Scenario;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Scenario;

/// <summary>
/// The rack scenario's shape, small: hosts written once with a count, each with its guests and
/// their passthrough devices; every guest boots as pseries Linux does and maps all its RAM in a
/// dynamic DMA window; the report says what was mapped and what the process held.
/// (config/scenarios/rack.hocon at full size belongs to `fabric run`, not to the tests.)
/// </summary>
public sealed class RackScenarioSpec : TestKit
{
    public RackScenarioSpec() : base(TestConfigs.InMemory("off")) { }

    private const string Rack = """
        scenario {
          durability = off
          journal = memory
          hosts { h { count = 2, pes = [1, 2] } }
          vms {
            g0 { host = h, ram = 64M, phbs = [1], phb-page-sizes = [4K, 64K], windows { dma { liobn = 0x80000100, pes = [1] } } }
            g1 { host = h, ram = 32M, phbs = [1], phb-page-sizes = [4K, 64K], windows { dma { liobn = 0x80000100, pes = [2] } } }
          }
          workloads { boot { kind = pseries-boot } }
        }
        """;

    [Fact]
    public async Task Every_guest_of_every_host_boots_and_maps_all_its_RAM_and_the_report_says_so()
    {
        var scenario = ScenarioFile.Parse("/s/rack.hocon", Rack);
        Assert.Equal(["h0", "h1"], scenario.Hosts.Select(h => h.Name));
        Assert.Equal(["g0-h0", "g0-h1", "g1-h0", "g1-h1"], scenario.Vms.Select(v => v.Name).Order());
        var fabric = new FabricRuntime(Sys);

        var r = await new ScenarioRunner(fabric, scenario).Run();

        var boot = Assert.IsType<BootFigures>(r.Boot);
        // 64M and 32M of RAM in 64K pages, on each of the two hosts.
        Assert.Equal((4, 2L * (1024 + 512)), (boot.Guests, boot.TcesMapped));
        Assert.True(boot.Elapsed > TimeSpan.Zero && boot.CpuTime > TimeSpan.Zero);
        // Each guest cleared its 1 GiB default window (512 x H_STUFF_TCE(512)), then mapped with INDIRECT(512).
        Assert.Equal(4 * 512, r.CallsByKind.Single(c => c.Kind == "H_STUFF_TCE").Count);
        Assert.Equal(2 * (2 + 1), r.CallsByKind.Single(c => c is { Kind: "H_PUT_TCE_INDIRECT", Ret: HcallReturn.Success }).Count);
        Assert.All(r.CallsByKind, c => Assert.Equal(HcallReturn.Success, c.Ret));
        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Exit);
        var memory = Assert.IsType<RunMemory>(r.Memory);
        Assert.True(memory.PeakWorkingSetBytes >= memory.LiveHeapBytes && memory.LiveHeapBytes > 0 && memory.AllocatedBytes > 0,
            $"memory figures: {memory}");
        Assert.Contains("TCEs mapped", HtmlReport.Render(r));

        // The last guest's device reaches the top page of its RAM through its window, with no hypercall.
        var ram = fabric.Memory("h1").GuestRams["g1-h1"];
        var window = (1UL << 59) + ram.Size - 0x10000;
        Assert.Equal(new DmaResult(DmaOutcome.Ok, ram.HostBase + ram.Size - 0x10000), await fabric.Dma("h1", 2, window, DmaDirection.Write));
        Assert.Empty((await fabric.Invariants("h1")).Violations);
    }
}
