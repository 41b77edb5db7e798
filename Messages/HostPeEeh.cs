namespace Fabric.Messages;

/// <summary>
/// The EEH state of one host PE, as PowerNV keeps it: MMIO and DMA each frozen or not, a reset
/// asserted or not, and the freeze count that decides when the PE is given up. Two states are
/// Fabric's own: <see cref="Configuring"/> (between a reset's deactivation and ibm,configure-pe;
/// the kernel's eeh_pe_configure does nothing and reports it as normal) and
/// <see cref="Fenced"/> (a guest PE could not bring all its host PEs back to one state and made
/// them all unavailable; only a reset lifts it). <see cref="Enabled"/>: the PE's owner enabled EEH
/// (ibm,set-eeh-option 1, VFIO_EEH_PE_ENABLE); only then does a DMA fault freeze the PE, as PAPR
/// isolates only slots with EEH enabled. Transitions return the new state; nothing here mutates.
/// The policy is passed in (Fabric.Eeh.EehPolicy's limit and window). <see cref="ResetFaults"/>:
/// injected (`EEH_INJECT kind=reset-fail`), the number of resets still to fail on this PE's PHB.
/// </summary>
public sealed record HostPeEeh(
    bool Enabled,
    bool MmioFrozen,
    bool DmaFrozen,
    bool ResetAsserted,
    bool Configuring,
    bool Fenced,
    bool PermanentlyFailed,
    int FreezeCount,
    long FreezeWindowStart,
    int ResetFaults = 0) : IFabricMessage
{
    public static HostPeEeh Normal { get; } = new(false, false, false, false, false, false, false, 0, 0);

    public bool IsFrozen => MmioFrozen || DmaFrozen;

    /// <summary>Whether a device behind the PE can reach memory now.</summary>
    public bool DmaAllowed => !DmaFrozen && !ResetAsserted && !Fenced && !PermanentlyFailed;

    /// <summary>
    /// What GET_STATE reports (eeh_pe_get_state): reset asserted, else from the MMIO and DMA
    /// enables; MMIO stopped with DMA running is "unavailable", as is a PE fenced or given up.
    /// </summary>
    public EehReportedState Reported =>
        PermanentlyFailed || Fenced ? EehReportedState.Unavailable
        : ResetAsserted ? EehReportedState.Reset
        : !MmioFrozen && !DmaFrozen ? EehReportedState.Normal
        : MmioFrozen && DmaFrozen ? EehReportedState.StoppedIoDma
        : DmaFrozen ? EehReportedState.StoppedDma
        : EehReportedState.Unavailable;

    /// <summary>A name for summaries and traces.</summary>
    public string Name =>
        PermanentlyFailed ? "permanently-failed"
        : Fenced ? "unavailable"
        : ResetAsserted ? "reset"
        : MmioFrozen && DmaFrozen ? "frozen"
        : DmaFrozen ? "dma-frozen"
        : MmioFrozen ? "mmio-frozen"
        : Configuring ? "configuring"
        : "normal";

    /// <summary>
    /// The PHB froze the PE (a DMA fault, an injected error, a PHB fault). Counted as
    /// eeh_handle_normal_event counts: the window restarts when the count is zero or the window's
    /// first freeze is more than the freeze window ago; a count above
    /// the limit fails the PE for good. A PE already frozen is not
    /// frozen again (the PHB reports a PE once until it is thawed).
    /// </summary>
    public HostPeEeh Freeze(TimeSpan now, int maxFreezes, TimeSpan freezeWindow) =>
        Freeze((long)now.TotalSeconds, maxFreezes, (long)freezeWindow.TotalSeconds);

    /// <inheritdoc cref="Freeze(TimeSpan, int, TimeSpan)"/>
    /// <param name="now">Seconds, as the kernel's ktime_get_seconds.</param>
    public HostPeEeh Freeze(long now, int maxFreezes, long freezeWindow)
    {
        if (PermanentlyFailed || (MmioFrozen && DmaFrozen)) return this;
        var (count, start) = FreezeCount <= 0 || now - FreezeWindowStart > freezeWindow
            ? (0, now)
            : (FreezeCount, FreezeWindowStart);
        count++;
        return this with
        {
            MmioFrozen = true,
            DmaFrozen = true,
            Configuring = false,
            FreezeCount = count,
            FreezeWindowStart = start,
            PermanentlyFailed = count > maxFreezes,
        };
    }

    /// <summary>
    /// Whether this state is a new freeze of <paramref name="before"/>: the PHB froze the PE (each
    /// freeze is counted, so the count or its window moved) or it was given up. A thaw of MMIO
    /// that leaves DMA frozen, or a reset, is no new freeze.
    /// </summary>
    public bool FrozeSince(HostPeEeh before) =>
        (FreezeCount, FreezeWindowStart) != (before.FreezeCount, before.FreezeWindowStart)
        || (PermanentlyFailed && !before.PermanentlyFailed);

    /// <summary>Fabric's guest PE gave up bringing its host PEs together: unavailable until reset, whatever step each was at.</summary>
    public HostPeEeh Fence() => PermanentlyFailed ? this : this with { Fenced = true, MmioFrozen = true, DmaFrozen = true, ResetAsserted = false, Configuring = false };

    /// <summary>A sibling of its guest PE is permanently failed: so is this one (the guest PE is given up as a whole).</summary>
    public HostPeEeh GiveUp() => this with { PermanentlyFailed = true, MmioFrozen = true, DmaFrozen = true, ResetAsserted = false, Configuring = false };

    /// <summary>eeh_unfreeze_pe: MMIO and DMA running again (not for a PE given up).</summary>
    public HostPeEeh Thaw() => PermanentlyFailed ? this : this with { MmioFrozen = false, DmaFrozen = false };
}
