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

/// <summary>How a guest PE over several host PEs answers EEH (fabric.eeh.guest-pe).</summary>
public enum GuestPeDesign
{
    /// <summary>
    /// QEMU's: EEH only when the PHB's container holds exactly one group
    /// (vfio_eeh_container_ok); with more, every EEH call is a parameter error.
    /// </summary>
    Qemu,

    /// <summary>Fabric's: every step runs on every host PE, and they end in one state.</summary>
    Converge,
}

/// <summary>The status and output words of one RTAS call, and every host PE's state after it.</summary>
public sealed record RtasEehResult(int Status, ulong[] Outputs, HostPeEeh?[] HostPes, string Note = "");

/// <summary>
/// The guest's EEH RTAS calls on one guest PE, once the call's PHB and device are found (the
/// argument counts and the buid lookup are the RTAS dispatcher's): QEMU's spapr_pci.c handlers
/// over spapr_pci_vfio.c, each step a VFIO_EEH_PE_OP on the host PEs.
/// In <see cref="GuestPeDesign.Converge"/> a step runs on every host PE (not stopping at the
/// first failure, as the kernel's container op does); a step that fails on some host PE is tried
/// once more on those; if they still fail, every host PE is fenced (unavailable until a reset)
/// and the guest gets the failure — the host PEs of a guest PE are never left apart.
/// </summary>
public static class GuestPeRtas
{
    /// <summary>RTAS_EEH_SUPPORT, RTAS_EEH_PE_UNAVAIL_INFO (ms), RTAS_EEH_PE_RECOVER_INFO.</summary>
    public const ulong Support = 1, UnavailableInfoMs = 1000, RecoverInfo = 0;

    /// <summary>RTAS_GET_PE_ADDR, RTAS_GET_PE_MODE, RTAS_PE_MODE_SHARED.</summary>
    public const uint GetPeAddress = 0, GetPeMode = 1, PeModeShared = 1;

    /// <summary>VFIO_EEH_PE_OP's argsz for the ops the guest's calls make.</summary>
    private const uint ArgSize = 16;

    /// <summary>A host PE step that fails though its arguments are good (a PHB error): (host PE index, op, attempt) → fails.</summary>
    public delegate bool StepFault(int hostPe, EehPeOp op, int attempt);

    /// <summary>ibm,set-eeh-option: 0 disable, 1 enable, 2 thaw MMIO, 3 thaw DMA.</summary>
    public static RtasEehResult SetEehOption(HostPeEeh?[] pes, uint option, GuestPeDesign design, TimeSpan now, EehPolicy policy, StepFault? fault = null)
    {
        // QEMU asks whether EEH is available on the PHB before it looks at the option.
        if (Refused(pes, design) is { } refused) return refused;
        EehPeOp? op = option switch
        {
            0 => EehPeOp.Disable,
            1 => EehPeOp.Enable,
            2 => EehPeOp.UnfreezeIo,
            3 => EehPeOp.UnfreezeDma,
            _ => null,
        };
        if (op is null) return Param(pes, $"option {option} is not 0 (disable), 1 (enable), 2 (thaw MMIO) or 3 (thaw DMA)");
        return Step(pes, op.Value, design, now, policy, fault, RtasStatus.HwError);
    }

    /// <summary>ibm,set-slot-reset: 0 deactivate, 1 hot, 3 fundamental.</summary>
    public static RtasEehResult SetSlotReset(HostPeEeh?[] pes, uint option, GuestPeDesign design, TimeSpan now, EehPolicy policy, StepFault? fault = null)
    {
        if (Refused(pes, design) is { } refused) return refused;
        EehPeOp? op = option switch
        {
            0 => EehPeOp.ResetDeactivate,
            1 => EehPeOp.ResetHot,
            3 => EehPeOp.ResetFundamental,
            _ => null,
        };
        if (op is null) return Param(pes, $"option {option} is not 0 (deactivate), 1 (hot) or 3 (fundamental)");
        return Step(pes, op.Value, design, now, policy, fault, RtasStatus.HwError);
    }

    /// <summary>ibm,configure-pe: a failed step is a parameter error in QEMU (spapr_phb_vfio_eeh_configure).</summary>
    public static RtasEehResult ConfigurePe(HostPeEeh?[] pes, GuestPeDesign design, TimeSpan now, EehPolicy policy, StepFault? fault = null) =>
        Step(pes, EehPeOp.Configure, design, now, policy, fault, RtasStatus.ParamError);

    /// <summary>
    /// ibm,read-slot-reset-state2: status, state, EEH supported, the unavailable delay, and with
    /// nret 5 the recovery info. Host PEs in different states (a freeze not yet spread) read as
    /// temporarily unavailable, so the guest waits rather than acting on half the PE.
    /// </summary>
    public static RtasEehResult ReadSlotResetState2(HostPeEeh?[] pes, int nret, GuestPeDesign design)
    {
        if (Refused(pes, design) is { } refused) return refused;
        if (pes.Any(p => p is null)) return Param(pes, "a host PE of the guest PE has no EEH PE");
        var states = pes.Select(p => p!.Reported).Distinct().ToArray();
        var state = states.Length == 1 ? states[0] : EehReportedState.Unavailable;
        ulong[] outputs = nret >= 5
            ? [(ulong)state, Support, UnavailableInfoMs, RecoverInfo]
            : [(ulong)state, Support, UnavailableInfoMs];
        return new RtasEehResult(RtasStatus.Success, outputs, pes, states.Length == 1 ? "" : "host PEs in different states: reported unavailable");
    }

    /// <summary>ibm,slot-error-detail: 1 temporary, 2 permanent; QEMU keeps no error log.</summary>
    public static RtasEehResult SlotErrorDetail(HostPeEeh?[] pes, uint option, GuestPeDesign design)
    {
        if (Refused(pes, design) is { } refused) return refused;
        return option is 1 or 2
            ? new RtasEehResult(RtasStatus.NoErrorsFound, [], pes)
            : Param(pes, $"option {option} is not 1 (temporary) or 2 (permanent)");
    }

    /// <summary>ibm,get-config-addr-info2: the PE address "00BB0001" of the device's bus, or the PE mode (shared).</summary>
    public static RtasEehResult GetConfigAddrInfo2(HostPeEeh?[] pes, uint option, uint bus, GuestPeDesign design)
    {
        if (Refused(pes, design) is { } refused) return refused;
        return option switch
        {
            GetPeAddress => new RtasEehResult(RtasStatus.Success, [((ulong)bus << 16) + 1], pes),
            GetPeMode => new RtasEehResult(RtasStatus.Success, [PeModeShared], pes),
            _ => Param(pes, $"option {option} is not 0 (PE address) or 1 (PE mode)"),
        };
    }

    private static RtasEehResult Step(HostPeEeh?[] pes, EehPeOp op, GuestPeDesign design, TimeSpan now, EehPolicy policy, StepFault? fault, int failure)
    {
        if (Refused(pes, design) is { } refused) return refused;
        var after = pes.ToArray();
        var failed = new List<int>();
        for (var i = 0; i < after.Length; i++)
            if (!Run(after, i, op, 1, now, policy, fault)) failed.Add(i);
        if (failed.Count == 0) return new RtasEehResult(RtasStatus.Success, [], after);
        if (design == GuestPeDesign.Qemu) return new RtasEehResult(failure, [], after, $"{op} failed");

        var still = failed.Where(i => !Run(after, i, op, 2, now, policy, fault)).ToArray();
        if (still.Length == 0)
            return new RtasEehResult(RtasStatus.Success, [], after, $"{op} failed once on host PE {string.Join(", ", failed)} and succeeded on retry");
        for (var i = 0; i < after.Length; i++) after[i] = after[i]?.Fence();
        return new RtasEehResult(failure, [], after,
            $"{op} failed twice on host PE {string.Join(", ", still)}: every host PE of the guest PE fenced as unavailable until a reset");
    }

    /// <summary>Runs the op on one host PE; false when it failed (an errno, or an injected fault).</summary>
    private static bool Run(HostPeEeh?[] pes, int i, EehPeOp op, int attempt, TimeSpan now, EehPolicy policy, StepFault? fault)
    {
        if (fault?.Invoke(i, op, attempt) == true) return false;
        var (ret, pe) = EehPeOps.Apply(pes[i], ArgSize, 0, (uint)op, null, now, policy);
        pes[i] = pe;
        return ret >= 0;
    }

    private static RtasEehResult? Refused(HostPeEeh?[] pes, GuestPeDesign design) =>
        pes.Length == 0 ? Param(pes, "the guest PE has no host PE")
        : design == GuestPeDesign.Qemu && pes.Length != 1 ? Param(pes, $"the guest PE spans {pes.Length} host PEs; QEMU allows EEH only with exactly one group per container")
        : null;

    private static RtasEehResult Param(HostPeEeh?[] pes, string why) => new(RtasStatus.ParamError, [], pes, why);
}
