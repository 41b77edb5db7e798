namespace Fabric.Messages;

/// <summary>Which handler gave the guest its answer (spec section 0: KVM first, then QEMU).</summary>
public enum HcallHandler
{
    /// <summary>No table: the LIOBN is unknown to both.</summary>
    None = 0,
    Kvm = 1,
    Qemu = 2,
}

/// <summary>A contiguous run of guest view entries written by one handler.</summary>
public abstract record TceWrite(ulong FirstEntry) : IFabricMessage
{
    public abstract ulong Count { get; }
    public abstract ulong ValueAt(ulong i);

    /// <summary>A clear of a whole run (H_STUFF_TCE of 0): missing pages can be skipped whole.</summary>
    public bool ClearsRun => this is TceRunStuffed { Value: 0 };

    /// <summary>
    /// The run of values a guest's TCE list put: a <see cref="TceRunStrided"/> when they map
    /// consecutive pages alike (as a guest mapping all its RAM does), else the values themselves.
    /// </summary>
    public static TceWrite Of(ulong firstEntry, ReadOnlySpan<ulong> values) =>
        TceRunStrided.IsStride(values, out var step) && step != 0
            ? new TceRunStrided(firstEntry, values[0], step, (ulong)values.Length)
            : new TceRunWritten(firstEntry, values.ToArray());
}

/// <summary>Entries written one by one (H_PUT_TCE, H_PUT_TCE_INDIRECT). The array is never mutated.</summary>
public sealed record TceRunWritten(ulong FirstEntry, ulong[] Values) : TceWrite(FirstEntry)
{
    public override ulong Count => (ulong)Values.Length;
    public override ulong ValueAt(ulong i) => Values[i];
}

/// <summary>
/// Entries written one by one whose values step evenly: entry FirstEntry + i holds First + i * Step
/// (an H_PUT_TCE_INDIRECT of consecutive pages, see <see cref="TceWrite.Of"/>). The same writes
/// as a <see cref="TceRunWritten"/> of those values, in 32 bytes instead of 8 a TCE.
/// </summary>
public sealed record TceRunStrided(ulong FirstEntry, ulong First, ulong Step, ulong Run) : TceWrite(FirstEntry)
{
    public override ulong Count => Run;
    public override ulong ValueAt(ulong i) => First + i * Step;

    /// <summary>Whether the values (two at least) step evenly, and by how much.</summary>
    public static bool IsStride(ReadOnlySpan<ulong> values, out ulong step)
    {
        step = values.Length >= 2 ? values[1] - values[0] : 0;
        if (values.Length < 2) return false;
        for (var i = 2; i < values.Length; i++)
            if (values[i] - values[i - 1] != step) return false;
        return true;
    }
}

/// <summary>One value written to a run of entries (H_STUFF_TCE).</summary>
public sealed record TceRunStuffed(ulong FirstEntry, ulong Value, ulong Run) : TceWrite(FirstEntry)
{
    public override ulong Count => Run;
    public override ulong ValueAt(ulong i) => Value;
}

/// <summary>
/// One guest hypercall as the table answered it: the arguments, the result the guest saw,
/// and every guest view write it made (in order; KVM's partial run may precede QEMU's).
/// Replay rebuilds the view from <see cref="Writes"/> and counts calls from the rest.
/// </summary>
public sealed record HcallHandled(
    long CallId,
    IHypercall Call,
    HcallReturn Ret,
    ulong R4,
    HcallHandler AnsweredBy,
    TceWrite[] Writes) : ITceEvent;

/// <summary>The table was created: by KVM_CREATE_SPAPR_TCE_64 (in kernel) and/or by QEMU (userspace).</summary>
public sealed record TceTableCreated(
    string Vm,
    ulong Liobn,
    int PageShift,
    ulong Offset,
    ulong Size,
    bool InKernel,
    bool InUserspace) : ITceEvent;

/// <summary>
/// The LIOBN's window was removed (RTAS ibm,remove-pe-dma-window or a reset): in the host's stream
/// its table is gone; in the table's own stream it marks where that window's life ended, so a
/// window later created on the same LIOBN (QEMU reuses them) starts empty on recovery and replay.
/// </summary>
public sealed record TceTableRemoved(string Vm, ulong Liobn) : ITceEvent;

/// <summary>KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE linked a hardware table of a container to this LIOBN.</summary>
public sealed record HardwareTableLinked(string Host, string Container, int Window, int Group) : ITceEvent;

/// <summary>A group's link was dropped (KVM_DEV_VFIO_GROUP_DEL, hot unplug, VM exit).</summary>
public sealed record HardwareTableUnlinked(string Host, string Container, int Window, int Group) : ITceEvent;

/// <summary>
/// Positions <paramref name="FirstPosition"/>..<paramref name="LastPosition"/> went to calls a
/// crashed incarnation of the table applied to the hardware but never journaled (the crash
/// cleared its windows and the guest heard H_HARDWARE); the next incarnation journals this once
/// it has recovered, so those positions are never given to other calls and replay knows that a
/// DMA which saw them in flight (its <see cref="DmaView"/>) may have used a value one of
/// <paramref name="Calls"/> (position FirstPosition + i) was installing. The calls are not part of
/// the guest's view.
/// </summary>
public sealed record TableCallsLost(long FirstPosition, long LastPosition, HcallHandled[] Calls) : ITceEvent;

/// <summary>
/// The calls a table answered while its previous journal write was in flight, journaled as
/// one event: a group commit, so a busy table writes one row per batch, not one per call.
/// </summary>
public sealed record HcallsHandled(HcallHandled[] Calls) : ITceEvent;

/// <summary>
/// A TCE table's state at a sequence number: flags, links, and the allocated pages of its view
/// (PageNumbers[i] holds Entries[i*512 .. i*512+511]), and how many calls the table had journaled
/// (its position, which DMA records refer to). Recovery starts from the newest one.
/// </summary>
public sealed record TceTableSnapshot(TceTableCreated Created, HardwareTableLinked[] Links, ulong[] PageNumbers, ulong[] Entries, long Calls = 0) : IFabricMessage;

/// <summary>
/// A snapshot of a table whose LIOBN has had windows removed before: Removals counts the
/// <see cref="TceTableRemoved"/> markers up to it, which recovery compares with the host's count.
/// </summary>
public sealed record TceTableGenerationSnapshot(TceTableSnapshot Table, int Removals) : IFabricMessage;
