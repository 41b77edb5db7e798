using Fabric.Messages;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// What `fabric run` runs: a topology, the guests' workloads and the faults, read from a
/// scenario file (docs/scenarios.md). Hosts, VMs, workloads and faults are named, so a report
/// and an error can say which one.
/// </summary>
public sealed record Scenario(
    string File,
    string Name,
    int Seed,
    long? Calls,
    TimeSpan? Duration,
    string? Durability,
    TimeSpan? HcallTimeout,
    IReadOnlyList<HostSpec> Hosts,
    IReadOnlyList<VmSpec> Vms,
    IReadOnlyList<WorkloadSpec> Workloads,
    IReadOnlyList<FaultSpec> Faults)
{
    /// <summary>The journal the scenario asks for (only "memory"), or null for the command line's.</summary>
    public string? Journal { get; init; }

    /// <summary>Run on a cluster of this many `fabric node` processes on this machine, or (null) in this process.</summary>
    public ClusterSpec? Cluster { get; init; }
}

/// <summary>`fabric run` starts <paramref name="Nodes"/> members on 127.0.0.1 from <paramref name="BasePort"/> and drives them as a client.</summary>
public sealed record ClusterSpec(int Nodes, int BasePort);

/// <summary>A simulated physical host and its PEs (IOMMU groups), each behind a host PHB.</summary>
public sealed record HostSpec(string Name, IReadOnlyList<PeSpec> Pes)
{
    /// <summary>Hosts alike, as written (<see cref="ScenarioReplicas"/> makes them NAME0..NAMEn-1 with their VMs).</summary>
    public int Count { get; init; } = 1;
}

public sealed record PeSpec(int Group, int Phb);

/// <summary>A guest: its RAM, vCPUs, binding design, emulated PHBs and KVM TCE windows.</summary>
public sealed record VmSpec(
    string Name,
    string Host,
    ulong RamBytes,
    int Vcpus,
    LiobnBinding Binding,
    IReadOnlyList<PhbSpec> Phbs,
    IReadOnlyList<WindowSpec> Windows);

/// <summary>An emulated sPAPR PHB of the guest, as the `phb` trace verb builds it.</summary>
public sealed record PhbSpec(int Index, bool Ddw)
{
    /// <summary>The IOMMU page sizes the PHB offers its guest (QEMU's pgsz; bit 0 4K, 1 64K, 2 16M, ...).</summary>
    public ulong PageSizeMask { get; init; } = AddPhb.DefaultPageSizeMask;
}

/// <summary>
/// A KVM TCE table (one LIOBN) and, when <see cref="Pes"/> is not empty, a VFIO container of
/// those host PEs bound to it; with <see cref="GuestPe"/> they form one guest PE for EEH.
/// </summary>
public sealed record WindowSpec(string Name, ulong Liobn, int PageShift, ulong Offset, ulong Size, IReadOnlyList<int> Pes, int? GuestPe)
{
    public ulong Entries => Size >> PageShift;
}

/// <summary>
/// One guest workload (network, storage, firmware, adversarial, trace, pseries-boot,
/// eeh-recovery). <see cref="Phb"/>: the PHB a pseries boot brings up; <see cref="GuestPe"/>,
/// <see cref="NeedsReset"/>, <see cref="EnableEeh"/> and <see cref="MaxFreezes"/>: the guest PE an
/// EEH recovery driver looks after, whether its drivers ask for a reset, whether the guest enables
/// EEH on it, and the guest's eeh_max_freezes.
/// </summary>
public sealed record WorkloadSpec(string Name, WorkloadKind Kind, string? Vm, string? Window, int? Vcpus, bool Dma, string? TraceFile,
    int? GuestPe = null, bool NeedsReset = true, int? MaxFreezes = null, bool EnableEeh = true);

public enum WorkloadKind
{
    Network,
    Storage,
    Firmware,
    Adversarial,
    Trace,

    /// <summary>A Linux pseries guest bringing up DMA on its PHBs with DDW (Fabric.Hosting.Workloads.PseriesBoot).</summary>
    PseriesBoot,

    /// <summary>The guest's EEH recovery driver on one guest PE (Fabric.Hosting.Workloads.EehRecoveryDriver).</summary>
    EehRecovery,
}

/// <summary>One fault, with its own seed (the scenario's, mixed with its name) so a run repeats it.</summary>
public sealed record FaultSpec(string Name, FaultKind Kind, double Rate, TimeSpan Every, TimeSpan Delay, string? Host, int? Pe, IReadOnlyList<string> Actors)
{
    /// <summary>A node-kill: when, from the start of the drivers' run.</summary>
    public TimeSpan At { get; init; }

    /// <summary>A node-kill: the member to kill (1 = the first started), or null for one picked with the fault's seed.</summary>
    public int? Node { get; init; }
}

public enum FaultKind
{
    KillDrop,
    KillDelay,
    KillDuplicate,
    Crash,
    Freeze,
    JournalFail,

    /// <summary>SIGKILL of one cluster member: its hosts move to the others and recover from the journal.</summary>
    NodeKill,
}
