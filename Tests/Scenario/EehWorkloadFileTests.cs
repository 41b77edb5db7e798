using Fabric.Eeh;
using Fabric.Hosting.Scenario;
using Fabric.Hosting.Workloads;
using Fabric.Messages;

namespace Fabric.Tests.Scenario;

/// <summary>
/// The eeh-recovery workload kind, beside a pseries boot: read with its keys, refused with the file,
/// line, key and fix; and the EEH timeline their reports make, on the console's terms and as the
/// page's plot.
/// </summary>
public sealed class EehWorkloadFileTests
{
    private const string Good = """
        scenario {
          seed = 3
          calls = 1000
          hosts {
            h0 { pes = [1, 2, 3] }
          }
          vms {
            g1 {
              host = h0
              ram = 1G
              vcpus = 2
              phbs = [1]
              windows {
                default { liobn = 0x80000100, size = 1G, pes = [1, 2], guest-pe = 1 }
              }
            }
          }
          workloads {
            boot { kind = pseries-boot, vm = g1 }
            eeh { kind = eeh-recovery, vm = g1, guest-pe = 1, reset = off, max-freezes = 50 }
          }
          faults {
            f { kind = freeze, every = 100ms, host = h0, pe = 2 }
          }
        }
        """;

    private static Fabric.Hosting.Scenario.Scenario Read(string text) => ScenarioFile.Parse("/s/test.hocon", text);

    [Fact]
    public void A_boot_and_a_recovery_driver_read_into_their_workloads_and_the_freeze_limit_into_the_settings()
    {
        var s = Read(Good);

        var boot = s.Workloads[0];
        Assert.Equal((WorkloadKind.PseriesBoot, "g1"), (boot.Kind, boot.Vm));
        var eeh = s.Workloads[1];
        Assert.Equal((WorkloadKind.EehRecovery, 1, false, true, 50), (eeh.Kind, eeh.GuestPe!.Value, eeh.NeedsReset, eeh.EnableEeh, eeh.MaxFreezes!.Value));
        Assert.Equal(50, ScenarioConfig.Overrides(s).GetInt("fabric.eeh.max-freezes"));
        // The recovery driver runs on no vCPU of the plan; no window workload shares the budget.
        Assert.Empty(WorkloadPlan.Of(s));
    }

    [Theory]
    [InlineData(", guest-pe = 1 }", " }", 20, "scenario.workloads.eeh.vm: VM g1 has no guest PE to recover; give one of its windows guest-pe = 1")]
    [InlineData("max-freezes = 50", "max-freezes = 0", 20, "scenario.workloads.eeh.max-freezes: expected a number of freezes of at least 1")]
    [InlineData("reset = off", "reset = maybe", 20, "scenario.workloads.eeh.reset: expected on or off, not maybe")]
    [InlineData("reset = off", "reset = off, vcpus = 1", 20, "scenario.workloads.eeh.vcpus: unknown key; eeh takes kind, vm, guest-pe, reset, enable, max-freezes")]
    public void A_mistake_in_a_recovery_driver_names_the_file_the_line_the_key_and_the_fix(string good, string bad, int line, string message)
    {
        Assert.Contains(good, Good);
        var error = Assert.Throws<ScenarioException>(() => Read(Good.Replace(good, bad))).Message;
        Assert.StartsWith($"/s/test.hocon:{line}: ", error);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Two_drivers_of_one_guest_PE_are_refused()
    {
        var twice = Good.Replace("max-freezes = 50 }", "max-freezes = 50 }\n    again { kind = eeh-recovery, vm = g1, max-freezes = 60 }");
        Assert.Contains("scenario.workloads.again.guest-pe: guest PE 1 of VM g1 is already recovered by eeh",
            Assert.Throws<ScenarioException>(() => Read(twice)).Message);
    }

    private static EehRecoveryStep Step(string phase, EehRtasCall call, uint option, params ulong[] outputs) =>
        new(phase, new GuestPeRtasCall("g1", 1, call, option), new GuestPeRtasAnswer(RtasStatus.Success, outputs, ""));

    private static EehEpisode Episode(long serial, double seenMs, bool recovered, params double[] stepsMs)
    {
        EehRecoveryStep[] steps = recovered
            ? [Step("detect", EehRtasCall.ReadSlotResetState2, 0, 2, 1, 0), Step("thaw MMIO", EehRtasCall.SetEehOption, 2), Step("resume", EehRtasCall.ReadSlotResetState2, 0, 0, 1, 0)]
            : [Step("detect", EehRtasCall.ReadSlotResetState2, 0, 2, 1, 0), Step("thaw MMIO", EehRtasCall.SetEehOption, 2), Step("resume", EehRtasCall.ReadSlotResetState2, 0, 2, 1, 0)];
        return new EehEpisode(new GuestEehEvent("h0", "g1", 1, serial, 2, 500), TimeSpan.FromMilliseconds(seenMs),
            new EehRecovery(recovered, recovered ? "recovered" : "the PE is not normal after recovery: given up", steps),
            [.. stepsMs.Select(TimeSpan.FromMilliseconds)]);
    }

    private static RunReport Report(params EehEpisode[] episodes)
    {
        var s = Read(Good);
        var recovery = new EehRecoveryReport("eeh", "h0", "g1", 1, [1, 2], null, episodes, ["normal", "normal"], null);
        return new RunReport(s, TimeSpan.FromMilliseconds(400), new RunStats(), new Dictionary<string, long>(), new Dictionary<string, Fabric.KillRegister.KillFaults>(),
            [new InjectedFault(TimeSpan.FromMilliseconds(99.5), "f", "h0 pe 2", "frozen"), new InjectedFault(TimeSpan.FromMilliseconds(199.5), "f", "h0 pe 2", "frozen")],
            [], [], "memory", null, null) { Recoveries = [recovery] };
    }

    [Fact]
    public void The_EEH_timeline_reads_freeze_spread_event_steps_and_outcome_in_time_order_on_the_guest_PEs_row()
    {
        var r = Report(Episode(1, 101, recovered: false, 102, 103, 104), Episode(2, 201, recovered: true, 202, 203, 204));

        var timeline = r.EehEntries;

        Assert.All(timeline, t => Assert.Equal("g1 guest PE 1", t.Row));
        Assert.Equal([EehMark.Freeze, EehMark.Spread, EehMark.GuestEvent, EehMark.Step, EehMark.Step, EehMark.Step, EehMark.GivenUp,
            EehMark.Freeze, EehMark.Spread, EehMark.GuestEvent, EehMark.Step, EehMark.Step, EehMark.Step, EehMark.Recovered], timeline.Select(t => t.Mark));
        Assert.Equal([99.5, 100.5, 101], timeline.Take(3).Select(t => t.At.TotalMilliseconds));
        Assert.Equal("h0 pe 2 froze; the guest PE froze all 2 host PEs in 500 µs", timeline[1].What);
        Assert.Equal("detect: ibm,read-slot-reset-state2 -> MMIO and DMA stopped", timeline[3].What);
        Assert.Equal("thaw MMIO: ibm,set-eeh-option 2 -> success", timeline[4].What);
        Assert.Equal("the PE is not normal after recovery: given up (the PE froze again; the next recovery takes over)", timeline[6].What);
        var recovery = r.Recoveries[0];
        Assert.Equal((1, 0, true), (recovery.Recovered, recovery.GivenUp, recovery.AllRecovered));
    }

    [Fact]
    public void A_last_recovery_given_up_is_given_up_and_the_guest_PE_is_not_all_recovered()
    {
        var r = Report(Episode(1, 101, recovered: true, 102, 103, 104), Episode(2, 201, recovered: false, 202, 203, 204));

        Assert.Equal((1, false), (r.Recoveries[0].GivenUp, r.Recoveries[0].AllRecovered));
        Assert.Equal("the PE is not normal after recovery: given up", r.EehEntries[^1].What);
    }

    [Fact]
    public void The_page_plots_the_EEH_timeline_with_a_bar_per_spread_and_recovery_and_a_mark_per_point()
    {
        var r = Report(Episode(1, 101, recovered: false, 102, 103, 104), Episode(2, 201, recovered: true, 202, 203, 204));

        var page = HtmlReport.Render(r);

        var plot = page[page.IndexOf("aria-label=\"EEH timeline\"", StringComparison.Ordinal)..];
        plot = plot[..plot.IndexOf("</svg>", StringComparison.Ordinal)];
        foreach (var (mark, colour) in EehTimelinePlot.Colours)
            Assert.True(plot.Contains($"fill=\"{colour}\"><title>", StringComparison.Ordinal), $"no {mark} mark");
        Assert.Contains("<title>101.00 ms GuestEvent: EEH event 1 to the guest</title>", plot);
        Assert.Contains("<title>spread of event 2: 500 &#181;s</title>", plot);
        Assert.Contains("<title>recovery of event 2: 3.00 ms, recovered</title>", plot);
        Assert.Contains("<title>204.00 ms Recovered: recovered</title>", plot);
        // The spread bar of event 1 starts where its first host PE froze: 100.5 ms of 400 ms.
        Assert.Contains("<rect x=\"361.0\" y=\"24\" width=\"1.5\" height=\"4\" fill=\"#e90\"", plot);
        Assert.Contains("<td>g1 guest PE 1</td><td>1, 2</td><td>2</td><td>1</td><td>1</td><td>0</td><td>normal, normal</td>", page);
    }
}
