using Fabric.Messages;

namespace Fabric.Eeh;

/// <summary>RTAS status words of the EEH calls (QEMU's RTAS_OUT_*).</summary>
public static class RtasStatus
{
    public const int Success = 0;
    public const int NoErrorsFound = 1;
    public const int HwError = -1;
    public const int ParamError = -3;
}

/// <summary>The status and output words of one RTAS call, and every host PE's state after it.</summary>
public sealed record RtasEehResult(int Status, ulong[] Outputs, HostPeEeh?[] HostPes, string Note = "");

/// <summary>
/// What a call asks of the host PEs: an <paramref name="Answer"/> given without them, or
/// <paramref name="Op"/> on every one, answered <paramref name="Failure"/> if it fails.
/// </summary>
public sealed record EehRtasPlan(GuestPeRtasAnswer? Answer, EehPeOp Op, int Failure, EehInjection? Err);

/// <summary>What follows one attempt of a step on the host PEs.</summary>
public abstract record StepVerdict;

/// <summary>The step is over: the guest reads this.</summary>
public sealed record StepDone(GuestPeRtasAnswer Answer) : StepVerdict;

/// <summary>Run the op once more on these host PEs (indices), the ones where it failed.</summary>
public sealed record StepRetry(int[] HostPes) : StepVerdict;

/// <summary>It failed twice on some host PE: fence every host PE, then answer this.</summary>
public sealed record StepFence(GuestPeRtasAnswer Answer) : StepVerdict;

/// <summary>
/// The guest's EEH RTAS calls on one guest PE, once the call's PHB and device are found (the
/// argument counts and the buid lookup are the RTAS dispatcher's): QEMU's spapr_pci.c handlers
/// over spapr_pci_vfio.c, each step a VFIO_EEH_PE_OP on the host PEs.
/// In <see cref="GuestPeDesign.Converge"/> a step runs on every host PE (not stopping at the
/// first failure, as the kernel's container op does); a step that fails on some host PE is tried
/// once more on those; if they still fail, every host PE is fenced (unavailable until a reset)
/// and the guest gets the failure — the host PEs of a guest PE are never left apart.
/// <see cref="Plan"/> and <see cref="Settle"/> decide; the GuestPeActor runs the ops on the host
/// PE actors between them, and <see cref="Run"/> runs them here on the states alone.
/// </summary>
public static class GuestPeRtas
{
    /// <summary>RTAS_EEH_SUPPORT, RTAS_EEH_PE_UNAVAIL_INFO (ms), RTAS_EEH_PE_RECOVER_INFO.</summary>
    public const ulong Support = 1, UnavailableInfoMs = 1000, RecoverInfo = 0;

    /// <summary>RTAS_GET_PE_ADDR, RTAS_GET_PE_MODE, RTAS_PE_MODE_SHARED.</summary>
    public const uint GetPeAddress = 0, GetPeMode = 1, PeModeShared = 1;

    /// <summary>VFIO_EEH_PE_OP's argsz for the ops the guest's calls make (sizeof(struct vfio_eeh_pe_op)).</summary>
    public const uint ArgSize = 40;

    /// <summary>A host PE step that fails though its arguments are good (a PHB error): (host PE index, op, attempt) → fails.</summary>
    public delegate bool StepFault(int hostPe, EehPeOp op, int attempt);

    /// <summary>What the call asks of a guest PE over <paramref name="hostPes"/> host PEs, checked as QEMU checks it.</summary>
    public static EehRtasPlan Plan(GuestPeRtasCall c, int hostPes, GuestPeDesign design)
    {
        // QEMU asks whether EEH is available on the PHB before it looks at the arguments.
        if (hostPes == 0) return Param("the guest PE has no host PE");
        if (design == GuestPeDesign.Qemu && hostPes != 1)
            return Param($"the guest PE spans {hostPes} host PEs; QEMU allows EEH only with exactly one group per container");
        return c.Call switch
        {
            EehRtasCall.SetEehOption => c.Option switch
            {
                0 => Op(EehPeOp.Disable, RtasStatus.HwError),
                1 => Op(EehPeOp.Enable, RtasStatus.HwError),
                2 => Op(EehPeOp.UnfreezeIo, RtasStatus.HwError),
                3 => Op(EehPeOp.UnfreezeDma, RtasStatus.HwError),
                _ => Param($"option {c.Option} is not 0 (disable), 1 (enable), 2 (thaw MMIO) or 3 (thaw DMA)"),
            },
            EehRtasCall.SetSlotReset => c.Option switch
            {
                0 => Op(EehPeOp.ResetDeactivate, RtasStatus.HwError),
                1 => Op(EehPeOp.ResetHot, RtasStatus.HwError),
                3 => Op(EehPeOp.ResetFundamental, RtasStatus.HwError),
                _ => Param($"option {c.Option} is not 0 (deactivate), 1 (hot) or 3 (fundamental)"),
            },
            // A failed configure is a parameter error in QEMU (spapr_phb_vfio_eeh_configure).
            EehRtasCall.ConfigurePe => Op(EehPeOp.Configure, RtasStatus.ParamError),
            // rtas_ibm_read_slot_reset_state2: nret 4, or 5 with the recovery word.
            EehRtasCall.ReadSlotResetState2 => c.Nret is 4 or 5
                ? Op(EehPeOp.GetState, RtasStatus.ParamError)
                : Param($"nret {c.Nret} is not 4 or 5"),
            EehRtasCall.SlotErrorDetail => c.Option is 1 or 2
                ? Answer(RtasStatus.NoErrorsFound, [], "")
                : Param($"option {c.Option} is not 1 (temporary) or 2 (permanent)"),
            EehRtasCall.GetConfigAddrInfo2 => c.Option switch
            {
                // "00BB0001": the PE address of the device's bus.
                GetPeAddress => Answer(RtasStatus.Success, [((ulong)c.Bus << 16) + 1], ""),
                GetPeMode => Answer(RtasStatus.Success, [PeModeShared], ""),
                _ => Param($"option {c.Option} is not 0 (PE address) or 1 (PE mode)"),
            },
            // spapr_phb_vfio_eeh_inject_error: a function past EEH_ERR_FUNC_MAX is a parameter error.
            EehRtasCall.ErrInjct => c.Err is { Func: <= EehPeOps.ErrFuncMax, Type: EehPeOps.ErrType32 or EehPeOps.ErrType64 }
                ? new EehRtasPlan(null, EehPeOp.InjectErr, RtasStatus.HwError, c.Err)
                : Param($"the error (type {c.Err?.Type}, function {c.Err?.Func}) is not an IOA bus error of function 0..{EehPeOps.ErrFuncMax}"),
            _ => Param($"{c.Call} is not an EEH RTAS call"),
        };
    }

    /// <summary>
    /// After an attempt of the plan's op: <paramref name="rets"/> is each host PE's latest return
    /// (a state for GET_STATE), <paramref name="failed"/> the host PEs where this attempt failed,
    /// <paramref name="retried"/> the ones the first attempt failed on (empty on the first);
    /// <paramref name="groups"/> names the host PEs in notes.
    /// </summary>
    public static StepVerdict Settle(EehRtasPlan plan, GuestPeRtasCall c, GuestPeDesign design, IReadOnlyList<long> rets,
        IReadOnlyList<int> failed, IReadOnlyList<int> retried, IReadOnlyList<int> groups)
    {
        string Names(IEnumerable<int> ix) => string.Join(", ", ix.Select(i => groups[i]));
        if (plan.Op == EehPeOp.GetState)
        {
            // A read changes nothing, so there is nothing to bring together: QEMU's error.
            if (failed.Count > 0) return new StepDone(new(plan.Failure, [], $"GET_STATE failed on host PE {Names(failed)}"));
            return new StepDone(State(rets.Select(r => (EehReportedState)r).ToArray(), c.Nret, groups));
        }
        if (failed.Count == 0)
            return new StepDone(new(RtasStatus.Success, [],
                retried.Count == 0 ? "" : $"{plan.Op} failed once on host PE {Names(retried)} and succeeded on retry"));
        if (design == GuestPeDesign.Qemu) return new StepDone(new(plan.Failure, [], $"{plan.Op} failed"));
        if (retried.Count == 0) return new StepRetry([.. failed]);
        return new StepFence(new(plan.Failure, [],
            $"{plan.Op} failed twice on host PE {Names(failed)}: every host PE of the guest PE fenced as unavailable until a reset"));
    }

    /// <summary>
    /// ibm,read-slot-reset-state2's words: state, supported, delay (and the recovery word with
    /// nret 5). Host PEs in different states (a freeze not yet spread) read as temporarily
    /// unavailable, so the guest waits rather than acting on half the PE.
    /// </summary>
    private static GuestPeRtasAnswer State(EehReportedState[] states, int nret, IReadOnlyList<int> groups)
    {
        var one = states.Distinct().Count() == 1;
        var state = one ? states[0] : EehReportedState.Unavailable;
        ulong[] outputs = nret >= 5
            ? [(ulong)state, Support, UnavailableInfoMs, RecoverInfo]
            : [(ulong)state, Support, UnavailableInfoMs];
        return new(RtasStatus.Success, outputs, one ? "" : $"host PEs in different states ({string.Join(", ", states.Select((s, i) => $"{groups[i]} {s}"))}): reported unavailable");
    }

    /// <summary>The call on the states alone: each op through <see cref="EehPeOps.Apply"/>, a fence through <see cref="HostPeEeh.Fence"/>.</summary>
    public static RtasEehResult Run(HostPeEeh?[] pes, GuestPeRtasCall c, GuestPeDesign design, TimeSpan now, EehPolicy policy, StepFault? fault = null)
    {
        var plan = Plan(c, pes.Length, design);
        if (plan.Answer is { } answered) return new RtasEehResult(answered.Status, answered.Outputs, pes, answered.Note);
        var after = pes.ToArray();
        var rets = new long[after.Length];
        var groups = Enumerable.Range(0, after.Length).ToArray();
        int[] attempt = groups, retried = [];
        for (var n = 1; ; n++)
        {
            var failed = new List<int>();
            foreach (var i in attempt)
            {
                if (fault?.Invoke(i, plan.Op, n) == true)
                {
                    rets[i] = -(long)Errno.EIO;
                }
                else
                {
                    (rets[i], after[i]) = EehPeOps.Apply(after[i], ArgSize, 0, (uint)plan.Op, plan.Err, now, policy);
                }
                if (rets[i] < 0) failed.Add(i);
            }
            switch (Settle(plan, c, design, rets, failed, retried, groups))
            {
                case StepDone d:
                    return new RtasEehResult(d.Answer.Status, d.Answer.Outputs, after, d.Answer.Note);
                case StepRetry r:
                    (attempt, retried) = (r.HostPes, r.HostPes);
                    break;
                case StepFence f:
                    for (var i = 0; i < after.Length; i++) after[i] = after[i]?.Fence();
                    return new RtasEehResult(f.Answer.Status, f.Answer.Outputs, after, f.Answer.Note);
            }
        }
    }

    /// <summary>ibm,set-eeh-option: 0 disable, 1 enable, 2 thaw MMIO, 3 thaw DMA.</summary>
    public static RtasEehResult SetEehOption(HostPeEeh?[] pes, uint option, GuestPeDesign design, TimeSpan now, EehPolicy policy, StepFault? fault = null) =>
        Run(pes, new GuestPeRtasCall("", 0, EehRtasCall.SetEehOption, option), design, now, policy, fault);

    /// <summary>ibm,set-slot-reset: 0 deactivate, 1 hot, 3 fundamental.</summary>
    public static RtasEehResult SetSlotReset(HostPeEeh?[] pes, uint option, GuestPeDesign design, TimeSpan now, EehPolicy policy, StepFault? fault = null) =>
        Run(pes, new GuestPeRtasCall("", 0, EehRtasCall.SetSlotReset, option), design, now, policy, fault);

    /// <summary>ibm,configure-pe.</summary>
    public static RtasEehResult ConfigurePe(HostPeEeh?[] pes, GuestPeDesign design, TimeSpan now, EehPolicy policy, StepFault? fault = null) =>
        Run(pes, new GuestPeRtasCall("", 0, EehRtasCall.ConfigurePe), design, now, policy, fault);

    /// <summary>ibm,read-slot-reset-state2 (GET_STATE on every host PE; it changes none).</summary>
    public static RtasEehResult ReadSlotResetState2(HostPeEeh?[] pes, int nret, GuestPeDesign design) =>
        Run(pes, new GuestPeRtasCall("", 0, EehRtasCall.ReadSlotResetState2, Nret: nret), design, TimeSpan.Zero, EehPolicy.Linux);

    /// <summary>ibm,slot-error-detail: 1 temporary, 2 permanent; QEMU keeps no error log.</summary>
    public static RtasEehResult SlotErrorDetail(HostPeEeh?[] pes, uint option, GuestPeDesign design) =>
        Run(pes, new GuestPeRtasCall("", 0, EehRtasCall.SlotErrorDetail, option), design, TimeSpan.Zero, EehPolicy.Linux);

    /// <summary>ibm,get-config-addr-info2: the PE address "00BB0001" of the device's bus, or the PE mode (shared).</summary>
    public static RtasEehResult GetConfigAddrInfo2(HostPeEeh?[] pes, uint option, uint bus, GuestPeDesign design) =>
        Run(pes, new GuestPeRtasCall("", 0, EehRtasCall.GetConfigAddrInfo2, option, Bus: bus), design, TimeSpan.Zero, EehPolicy.Linux);

    private static EehRtasPlan Op(EehPeOp op, int failure) => new(null, op, failure, null);

    private static EehRtasPlan Answer(int status, ulong[] outputs, string note) => new(new GuestPeRtasAnswer(status, outputs, note), default, 0, null);

    private static EehRtasPlan Param(string why) => Answer(RtasStatus.ParamError, [], why);
}
