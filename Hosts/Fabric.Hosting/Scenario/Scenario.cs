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
    IReadOnlyList<FaultSpec> Faults);

/// <summary>A simulated physical host and its PEs (IOMMU groups), each behind a host PHB.</summary>
public sealed record HostSpec(string Name, IReadOnlyList<PeSpec> Pes);

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
public sealed record PhbSpec(int Index, bool Ddw);

/// <summary>
/// A KVM TCE table (one LIOBN) and, when <see cref="Pes"/> is not empty, a VFIO container of
/// those host PEs bound to it; with <see cref="GuestPe"/> they form one guest PE for EEH.
/// </summary>
public sealed record WindowSpec(string Name, ulong Liobn, int PageShift, ulong Offset, ulong Size, IReadOnlyList<int> Pes, int? GuestPe)
{
    public ulong Entries => Size >> PageShift;
}

/// <summary>One guest workload (network, storage, firmware, adversarial, trace).</summary>
public sealed record WorkloadSpec(string Name, WorkloadKind Kind, string? Vm, string? Window, int? Vcpus, bool Dma, string? TraceFile);

public enum WorkloadKind
{
    Network,
    Storage,
    Firmware,
    Adversarial,
    Trace,
}

/// <summary>One fault, with its own seed (the scenario's, mixed with its name) so a run repeats it.</summary>
public sealed record FaultSpec(string Name, FaultKind Kind, double Rate, TimeSpan Every, TimeSpan Delay, string? Host, int? Pe, IReadOnlyList<string> Actors);

public enum FaultKind
{
    KillDrop,
    KillDelay,
    KillDuplicate,
    Crash,
    Freeze,
    JournalFail,
}
