using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Hosting.Scenario;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;

namespace Fabric.Tests.Scenario;

/// <summary>
/// The shipped pseries-ddw-boot and eeh-multi-pe scenarios, run through the scenario runner as
/// `fabric run` runs them (a shorter run of each): the guest boots with DDW, mapping all its RAM
/// once, while another guest's driver runs; every freeze spreads to the whole guest PE and is
/// recovered, and no guest PE is ever seen half frozen.
/// </summary>
public sealed class ShippedBootAndEehScenarioSpec
{
    private static string Shipped(string name) => Path.Combine(RepoRoot.Path, "config", "scenarios", name);

    private static async Task<RunReport> Run(Fabric.Hosting.Scenario.Scenario scenario)
    {
        var config = ScenarioConfig.Overrides(scenario).WithFallback(FabricConfig.Build(JournalKind.Memory,
            overrides: ConfigurationFactory.ParseString("akka.loglevel = WARNING")));
        await using var fabric = new FabricRuntime(config, "shipped-scenario");
        return await new ScenarioRunner(fabric, scenario).Run();
    }

    [Fact]
    public async Task Pseries_ddw_boot_maps_all_RAM_in_16M_pages_beside_a_network_driver()
    {
        var scenario = ScenarioFile.Load(Shipped("pseries-ddw-boot.hocon")) with { Calls = 2000 };

        var r = await Run(scenario);

        // 4 GiB in 16M pages at the PHB's 64-bit window: 256 TCEs, one INDIRECT (a list holds
        // 512) after the 512 H_STUFF_TCE that clear the default window.
        var boot = Assert.IsType<BootFigures>(r.Boot);
        Assert.Equal((1, 256L, 512L + 1), (boot.Guests, boot.TcesMapped, boot.Hcalls));
        // The boot's calls are counted beside the budget the network driver used up.
        Assert.Equal(2000 + 513, r.Calls);
        Assert.Contains(r.CallsByKind, c => c is { Kind: "H_STUFF_TCE", Ret: HcallReturn.Success, Count: >= 512 });
        Assert.Empty(r.Violations);
        Assert.Equal(0, r.Exit);
    }

    [Fact]
    public async Task Eeh_multi_pe_recovers_every_guest_PE_each_time_and_none_is_ever_seen_half_frozen()
    {
        var scenario = ScenarioFile.Load(Shipped("eeh-multi-pe.hocon")) with { Duration = TimeSpan.FromMilliseconds(1500) };

        var r = await Run(scenario);

        string Timeline(string row) => string.Join("\n", r.EehEntries.Where(t => t.Row == row).TakeLast(60).Select(t => $"{t.At.TotalMilliseconds:0.0} ms {t.Mark}: {t.What}"));
        Assert.True(r.Violations.Count == 0, string.Join("\n", r.Violations.Take(10)) + "\n" + string.Join("\n\n", r.Recoveries.Select(e => Timeline(e.Name))));
        Assert.Equal(0, r.Exit);
        Assert.Equal(2, r.Recoveries.Count);
        var injected = r.Faults.Count(f => f is { Fault: "middle", Outcome: "frozen" });
        Assert.True(injected >= 2, $"only {injected} freezes were injected: {string.Join("; ", r.Faults.Select(f => $"{f.At.TotalMilliseconds:0} ms {f.Fault} {f.Target} {f.Outcome}"))}; calls per slot {string.Join(" ", r.Stats.Throughput(r.Elapsed))}");
        foreach (var e in r.Recoveries)
        {
            Assert.True(e.AllRecovered, $"{e.Name}: {e.Recovered} of {e.Episodes.Count} recovered, {e.GivenUp} given up, at the end {string.Join(", ", e.FinalStates)}; {e.Failure}\n{Timeline(e.Name)}");
            Assert.True(e.Episodes[^1].Recovery.Recovered);
            var serials = e.Episodes.Where(x => x.Event is not null).Select(x => x.Event!.Serial).ToList();
            Assert.Equal(Enumerable.Range(1, serials.Count).Select(n => (long)n), serials);
        }

        // g1 leaves EEH disabled: its only freezes are the fault's, on host PE 2 (one event each,
        // unless it lands on a PE still frozen), recovered by reset.
        var g1 = r.Recoveries.Single(e => e.Vm == "g1");
        var events = g1.Episodes.Where(x => x.Event is not null).ToList();
        Assert.InRange(events.Count, 1, injected);
        Assert.All(events, x => Assert.Equal(2, x.Event!.FirstGroup));
        Assert.All(g1.Episodes.Where(x => x.Recovery.Recovered), x => Assert.Contains(x.Recovery.Steps, s => s.Call.Call == EehRtasCall.SetSlotReset));
        Assert.Null(g1.Enabled);

        // g2 enables EEH: its devices' bad DMAs freeze it too, and it thaws without a reset.
        var g2 = r.Recoveries.Single(e => e.Vm == "g2");
        Assert.Equal(0, g2.Enabled!.Status);
        Assert.True(g2.Episodes.Count(x => x.Event is not null) > r.Faults.Count(f => f is { Fault: "last", Outcome: "frozen" }),
            "a guest with EEH enabled is frozen by its devices' bad DMAs as well");
        Assert.DoesNotContain(g2.Episodes.SelectMany(x => x.Recovery.Steps), s => s.Call.Call == EehRtasCall.SetSlotReset);

        // The timeline: each of g1's episodes reads freeze, spread, event, steps, recovered, in time order.
        var timeline = r.EehEntries.Where(t => t.Row == g1.Name).ToList();
        Assert.Equal(injected, timeline.Count(t => t.Mark == EehMark.Freeze));
        Assert.Equal(g1.Recovered, timeline.Count(t => t.Mark == EehMark.Recovered));
        Assert.Equal(g1.Episodes.Count - g1.Recovered, timeline.Count(t => t.Mark == EehMark.GivenUp));
        var first = g1.Episodes[0];
        Assert.True(first.FirstFrozeAt <= first.SeenAt && first.SeenAt <= first.StepsAt[0] && first.StepsAt[0] <= first.DoneAt);
        Assert.Equal([EehMark.Spread, EehMark.GuestEvent], timeline.Where(t => t.Mark is EehMark.Spread or EehMark.GuestEvent).Take(2).Select(t => t.Mark));
    }
}
