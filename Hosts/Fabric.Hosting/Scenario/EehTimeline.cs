using System.Globalization;
using Fabric.Eeh;
using Fabric.Messages;

namespace Fabric.Hosting.Scenario;

/// <summary>What happened at a point of a run's EEH timeline.</summary>
public enum EehMark
{
    /// <summary>A freeze fault froze a host PE (the time the fabric took the injection).</summary>
    Freeze,

    /// <summary>A guest PE's first host PE froze; the guest PE froze the others.</summary>
    Spread,

    /// <summary>Every host PE of the guest PE was frozen: the guest got its one EEH event.</summary>
    GuestEvent,

    /// <summary>An RTAS call of the guest's recovery was answered.</summary>
    Step,

    Recovered,

    /// <summary>The recovery ended without the PE (or the next event's recovery took over).</summary>
    GivenUp,
}

/// <summary>One point of the EEH timeline: when, on which row (a guest PE, or a host PE in none), what.</summary>
public sealed record EehTimelineEntry(TimeSpan At, string Row, EehMark Mark, string What);

/// <summary>
/// A run's EEH timeline, from the freezes its faults injected and the episodes its recovery
/// drivers went through: freezes, each spread to the whole guest PE, the guest's events, every
/// step of each recovery, and how each ended; in time order, one row per guest PE (a freeze of a
/// host PE in no guest PE has a row of its own).
/// </summary>
public static class EehTimeline
{
    public static IReadOnlyList<EehTimelineEntry> Of(Scenario s, IReadOnlyList<InjectedFault> faults, IReadOnlyList<EehRecoveryReport> recoveries)
    {
        var rowOf = new Dictionary<string, string>();
        foreach (var vm in s.Vms)
            foreach (var w in vm.Windows.Where(w => w.GuestPe is not null))
                foreach (var pe in w.Pes)
                    rowOf[$"{vm.Host} pe {pe}"] = $"{vm.Name} guest PE {w.GuestPe}";
        var freezes = s.Faults.Where(f => f.Kind == FaultKind.Freeze).Select(f => f.Name).ToHashSet();

        var entries = new List<EehTimelineEntry>();
        foreach (var f in faults.Where(f => freezes.Contains(f.Fault)))
            entries.Add(new(f.At, rowOf.GetValueOrDefault(f.Target, f.Target), EehMark.Freeze,
                f.Outcome == "frozen" ? $"{f.Target} frozen by {f.Fault}" : $"{f.Fault} on {f.Target} refused: {f.Outcome}"));
        foreach (var r in recoveries)
            for (var i = 0; i < r.Episodes.Count; i++)
            {
                var e = r.Episodes[i];
                if (e.Event is { } ev)
                {
                    entries.Add(new(e.FirstFrozeAt, r.Name, EehMark.Spread,
                        $"{r.Host} pe {ev.FirstGroup} froze; the guest PE froze all {r.HostPes.Count} host PEs in {ev.SpreadMicroseconds} µs"));
                    entries.Add(new(e.SeenAt, r.Name, EehMark.GuestEvent, $"EEH event {ev.Serial} to the guest"));
                }
                else
                {
                    entries.Add(new(e.SeenAt, r.Name, EehMark.GuestEvent, "the driver found the PE frozen again (no new event: the same episode)"));
                }
                for (var k = 0; k < e.Recovery.Steps.Count; k++)
                    entries.Add(new(e.StepsAt[k], r.Name, EehMark.Step, Step(e.Recovery.Steps[k].Phase, e.Recovery.Steps[k].Call, e.Recovery.Steps[k].Answer)));
                entries.Add(new(e.DoneAt, r.Name, e.Recovery.Recovered ? EehMark.Recovered : EehMark.GivenUp,
                    r.Interrupted(i) ? $"{e.Recovery.Outcome} (the PE froze again; the next recovery takes over)" : e.Recovery.Outcome));
            }
        // Stable: entries at one time keep the order they happened in.
        return [.. entries.OrderBy(e => e.At)];
    }

    /// <summary>An RTAS call as the guest made it and what it read back, e.g. "reset: ibm,set-slot-reset 1 -> success".</summary>
    public static string Step(string phase, GuestPeRtasCall call, GuestPeRtasAnswer answer)
    {
        var name = call.Call switch
        {
            EehRtasCall.SetEehOption => "ibm,set-eeh-option",
            EehRtasCall.ReadSlotResetState2 => "ibm,read-slot-reset-state2",
            EehRtasCall.SetSlotReset => "ibm,set-slot-reset",
            EehRtasCall.ConfigurePe => "ibm,configure-pe",
            EehRtasCall.SlotErrorDetail => "ibm,slot-error-detail",
            EehRtasCall.GetConfigAddrInfo2 => "ibm,get-config-addr-info2",
            _ => "ibm,errinjct",
        };
        var option = call.Call is EehRtasCall.ReadSlotResetState2 or EehRtasCall.ConfigurePe ? "" : string.Create(CultureInfo.InvariantCulture, $" {call.Option}");
        var result = answer.Status != RtasStatus.Success ? $"status {answer.Status}"
            : call.Call == EehRtasCall.ReadSlotResetState2 && answer.Outputs.Length > 0 ? StateName((EehReportedState)answer.Outputs[0])
            : "success";
        return $"{phase}: {name}{option} -> {result}{(answer.Note.Length > 0 ? $" ({answer.Note})" : "")}";
    }

    private static string StateName(EehReportedState s) => s switch
    {
        EehReportedState.Normal => "normal",
        EehReportedState.Reset => "reset",
        EehReportedState.StoppedIoDma => "MMIO and DMA stopped",
        EehReportedState.StoppedDma => "DMA stopped",
        _ => "unavailable",
    };
}
