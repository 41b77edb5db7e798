using Fabric.KillRegister;
using Fabric.Messages;

namespace Fabric.Hosting.Scenario;

/// <summary>A trace workload's run: its exit code (0 clean, 1 a violation, 2 malformed) and output lines.</summary>
public sealed record TraceWorkloadResult(string Workload, string File, int Exit, int Lines);

/// <summary>What a `fabric run` did, for the console and for --report's page.</summary>
public sealed record RunReport(
    Scenario Scenario,
    TimeSpan Elapsed,
    RunStats Stats,
    IReadOnlyDictionary<string, long> Crashes,
    IReadOnlyDictionary<string, KillFaults> KillFaults,
    IReadOnlyList<InjectedFault> Faults,
    IReadOnlyList<string> Violations,
    IReadOnlyList<TraceWorkloadResult> Traces,
    string Journal,
    long? JournalBytes,
    long? JournalRows,
    AcknowledgedCheck? Journaled = null,
    Persistence.JournalFaults? JournalFaults = null)
{
    /// <summary>The cluster members node-kill faults killed (their hosts moved to the others).</summary>
    public IReadOnlyList<InjectedFault> NodeKills { get; init; } = [];

    /// <summary>Of <see cref="Crashes"/>, by kind, those absorbed by a table or PE still recovering from the last.</summary>
    public IReadOnlyDictionary<string, long> CrashesAbsorbed { get; init; } = new Dictionary<string, long>();

    /// <summary>How a kind's crashes print: the count, and how many were absorbed.</summary>
    public string CrashLine(string kind, long n) => CrashesAbsorbed.GetValueOrDefault(kind) is var a and > 0
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{n:N0} ({a:N0} absorbed: still recovering from the last)")
        : n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The eeh-recovery workloads: each guest PE's events and recoveries.</summary>
    public IReadOnlyList<EehRecoveryReport> Recoveries { get; init; } = [];

    /// <summary>Freezes, spreads, guest events, recovery steps and outcomes, in time order.</summary>
    public IReadOnlyList<EehTimelineEntry> EehEntries => EehTimeline.Of(Scenario, Faults, Recoveries);

    /// <summary>What the pseries boots did, when the scenario has any.</summary>
    public BootFigures? Boot { get; init; }

    /// <summary>What the process held and allocated, taken after the run (null: not measured).</summary>
    public RunMemory? Memory { get; init; }

    public long Calls => Stats.Completed;
    public double CallsPerSecond => Elapsed.TotalSeconds > 0 ? Calls / Elapsed.TotalSeconds : 0;

    /// <summary>
    /// 0 clean; 1 an invariant was violated, an acknowledged call is missing from the journal, a
    /// trace workload found a violation, or a recovery driver could not finish; 2 a trace
    /// workload was malformed.
    /// </summary>
    public int Exit => Traces.Any(t => t.Exit == 2) ? 2
        : Violations.Count > 0 || Journaled?.Lost > 0 || Traces.Any(t => t.Exit == 1) || Recoveries.Any(r => r.Failure is not null) ? 1
        : 0;

    public IEnumerable<(string Kind, HcallReturn Ret, long Count)> CallsByKind => Stats.Calls;
}
