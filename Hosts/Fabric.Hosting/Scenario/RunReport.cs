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
    public long Calls => Stats.Completed;
    public double CallsPerSecond => Elapsed.TotalSeconds > 0 ? Calls / Elapsed.TotalSeconds : 0;

    /// <summary>0 clean; 1 an invariant was violated, an acknowledged call is missing from the journal, or a trace workload found a violation; 2 a trace workload was malformed.</summary>
    public int Exit => Traces.Any(t => t.Exit == 2) ? 2 : Violations.Count > 0 || Journaled?.Lost > 0 || Traces.Any(t => t.Exit == 1) ? 1 : 0;

    public IEnumerable<(string Kind, HcallReturn Ret, long Count)> CallsByKind => Stats.Calls;
}
