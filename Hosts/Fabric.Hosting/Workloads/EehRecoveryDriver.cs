using System.Diagnostics;
using Fabric.Eeh;
using Fabric.Messages;

namespace Fabric.Hosting.Workloads;

/// <summary>One RTAS call the driver made, in order, and what the guest read back.</summary>
public sealed record EehRecoveryStep(string Phase, GuestPeRtasCall Call, GuestPeRtasAnswer Answer)
{
    /// <summary>When the answer came back (<see cref="Stopwatch"/> ticks), for a run's EEH timeline.</summary>
    public long AnsweredAt { get; init; } = Stopwatch.GetTimestamp();
}

/// <summary>A whole recovery: the calls in order, and whether the PE runs again.</summary>
public sealed record EehRecovery(bool Recovered, string Outcome, IReadOnlyList<EehRecoveryStep> Steps);

/// <summary>
/// The guest's EEH recovery of one guest PE, as Linux's eeh_handle_normal_event
/// (arch/powerpc/kernel/eeh_driver.c) drives it through RTAS on a pseries guest: detect (the PE's
/// state is not normal), report (read the error log; the drivers' error_detected), thaw MMIO,
/// then thaw DMA when the drivers can recover without a reset or else reset the PE (hot reset,
/// deactivate, wait for it, configure), and resume once it reads normal. A PE that stays
/// unavailable, or a step that fails, ends the recovery with the PE given up, as Linux removes
/// its devices. A workload: it makes only the calls a guest can make, through the fabric.
/// </summary>
public sealed class EehRecoveryDriver(FabricRuntime fabric, string host, string vm, int guestPe)
{
    /// <summary>
    /// What the PE's drivers answer to error_detected: true for PCI_ERS_RESULT_NEED_RESET, false
    /// for CAN_RECOVER (thaw DMA and go on without a reset).
    /// </summary>
    public bool DriversNeedReset { get; init; } = true;

    /// <summary>How often the driver reads a temporarily unavailable PE again before it gives up (eeh_wait_state).</summary>
    public int StateReads { get; init; } = 3;

    /// <summary>One recovery, if the PE needs one; <see cref="EehRecovery.Steps"/> holds every call made.</summary>
    public async Task<EehRecovery> Recover()
    {
        var steps = new List<EehRecoveryStep>();

        // Detect: the event told the guest, or a config read saw all ones; the state says how bad.
        var state = await State("detect", steps);
        if (state is null) return Done(false, "ibm,read-slot-reset-state2 failed");
        if (state == EehReportedState.Normal) return Done(true, "the PE is not frozen: nothing to recover");
        if (state == EehReportedState.Unavailable) return Done(false, "the PE is unavailable: given up");

        // Report: the error log (eeh_slot_error_detail), then the drivers' error_detected.
        await Call("report", EehRtasCall.SlotErrorDetail, 1, steps);

        // Thaw MMIO so the drivers can read their registers (eeh_pci_enable EEH_OPT_THAW_MMIO).
        if (!Ok(await Call("thaw MMIO", EehRtasCall.SetEehOption, 2, steps))) return Done(false, "thaw MMIO failed: given up");

        if (!DriversNeedReset)
        {
            if (!Ok(await Call("thaw DMA", EehRtasCall.SetEehOption, 3, steps))) return Done(false, "thaw DMA failed: given up");
        }
        else
        {
            // eeh_reset_pe: assert a hot reset, deactivate it, wait for the PE to come back.
            if (!Ok(await Call("reset", EehRtasCall.SetSlotReset, 1, steps))) return Done(false, "the reset failed: given up");
            if (!Ok(await Call("reset", EehRtasCall.SetSlotReset, 0, steps))) return Done(false, "the reset's deactivation failed: given up");
            if (await State("reset", steps) is not (EehReportedState.Normal)) return Done(false, "the PE did not come back from its reset: given up");
            if (!Ok(await Call("configure", EehRtasCall.ConfigurePe, 0, steps))) return Done(false, "ibm,configure-pe failed: given up");
        }

        // Resume: the PE must read normal before the drivers get it back.
        return await State("resume", steps) == EehReportedState.Normal
            ? Done(true, "recovered")
            : Done(false, "the PE is not normal after recovery: given up");

        EehRecovery Done(bool recovered, string outcome) => new(recovered, outcome, steps);
    }

    private static bool Ok(GuestPeRtasAnswer a) => a.Status == RtasStatus.Success;

    /// <summary>read-slot-reset-state2 until the PE is not temporarily unavailable (or reads run out); null if the call fails.</summary>
    private async Task<EehReportedState?> State(string phase, List<EehRecoveryStep> steps)
    {
        for (var i = 0; ; i++)
        {
            var a = await Call(phase, EehRtasCall.ReadSlotResetState2, 0, steps);
            if (!Ok(a) || a.Outputs.Length == 0) return null;
            var state = (EehReportedState)a.Outputs[0];
            if (state != EehReportedState.Unavailable || i + 1 >= StateReads) return state;
            // The PE said how long to wait (ms); the fabric's host PEs settle in microseconds.
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(a.Outputs[2], 10)));
        }
    }

    private async Task<GuestPeRtasAnswer> Call(string phase, EehRtasCall call, uint option, List<EehRecoveryStep> steps)
    {
        var c = new GuestPeRtasCall(vm, guestPe, call, option);
        var answer = await fabric.Ask(host, c) switch
        {
            GuestPeRtasAnswer a => a,
            var other => new GuestPeRtasAnswer(RtasStatus.HwError, [], $"the host answered {other}"),
        };
        steps.Add(new EehRecoveryStep(phase, c, answer));
        return answer;
    }
}
