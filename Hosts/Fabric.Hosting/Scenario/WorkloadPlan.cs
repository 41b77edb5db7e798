using Fabric.Hosting.Workloads;
using Fabric.Messages;

namespace Fabric.Hosting.Scenario;

/// <summary>One vCPU's share of a workload: which vCPU, which slice of the window, how many calls.</summary>
public sealed record VcpuAssignment(WorkloadSpec Workload, VmSpec Vm, WindowSpec Window, int Vcpu, WorkloadSlice Slice, long Calls);

/// <summary>
/// Shares a scenario's vCPUs, windows and call budget among its workloads: each workload gets
/// vCPUs of its VM of its own (the number it asks for, else an even share of those nobody
/// asked for), each vCPU a slice of the window of its own, and each vCPU an even share of the
/// scenario's calls (or no limit when only a duration ends the run).
/// </summary>
public static class WorkloadPlan
{
    public static IReadOnlyList<VcpuAssignment> Of(Scenario s)
    {
        var vcpusOf = new Dictionary<WorkloadSpec, (VmSpec Vm, int First, int Count)>();
        foreach (var vm in s.Vms)
        {
            var mine = s.Workloads.Where(w => w.Vm == vm.Name && w.Kind is not (WorkloadKind.PseriesBoot or WorkloadKind.EehRecovery)).ToList();
            if (mine.Count == 0) continue;
            var asked = mine.Where(w => w.Vcpus is not null).Sum(w => w.Vcpus!.Value);
            var open = mine.Count(w => w.Vcpus is null);
            var left = vm.Vcpus - asked;
            if (left < open)
                throw new ScenarioException($"{s.File}: scenario.workloads: the workloads of VM {vm.Name} need more vCPUs than its {vm.Vcpus}; " +
                                            $"give it more (vms.{vm.Name}.vcpus) or set vcpus = on its workloads");
            var next = 0;
            var shared = 0;
            foreach (var w in mine)
            {
                // The vCPUs nobody asked for, shared out evenly; the first ones get the remainder.
                var n = w.Vcpus ?? left / open + (shared++ < left % open ? 1 : 0);
                vcpusOf[w] = (vm, next, n);
                next += n;
            }
        }
        var all = vcpusOf.Sum(kv => kv.Value.Count);
        var perWindow = vcpusOf.GroupBy(kv => (kv.Value.Vm.Name, kv.Key.Window)).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value.Count));
        var usedInWindow = new Dictionary<(string, string?), int>();
        var result = new List<VcpuAssignment>();
        var index = 0;
        foreach (var (w, (vm, first, count)) in vcpusOf)
        {
            var window = vm.Windows.First(x => x.Name == w.Window);
            var key = (vm.Name, w.Window);
            var share = window.Entries / (ulong)perWindow[key];
            if (share < 16)
                throw new ScenarioException($"{s.File}: scenario.vms.{vm.Name}.windows.{window.Name}: {window.Entries} entries shared by {perWindow[key]} vCPUs leaves " +
                                            $"{share} each; make the window larger (size =) or give its workloads fewer vCPUs");
            for (var v = first; v < first + count; v++)
            {
                var k = usedInWindow.GetValueOrDefault(key);
                usedInWindow[key] = k + 1;
                var slice = new WorkloadSlice(window.Liobn, window.PageShift, window.Offset >> window.PageShift, (ulong)k * share, share,
                    WorkloadSlice.TceListOf(vm.RamBytes, v), vm.RamBytes);
                var calls = s.Calls is { } total ? total / all + (index < total % all ? 1 : 0) : long.MaxValue;
                result.Add(new VcpuAssignment(w, vm, window, v, slice, calls));
                index++;
            }
        }
        return result;
    }

    /// <summary>The call generator of a workload kind.</summary>
    public static Func<WorkloadSlice, int, int, long, IHypercall> Generator(WorkloadKind kind) => kind switch
    {
        WorkloadKind.Network => GuestWorkload.Network,
        WorkloadKind.Storage => GuestWorkload.Storage,
        WorkloadKind.Firmware => GuestWorkload.Firmware,
        WorkloadKind.Adversarial => GuestWorkload.Adversarial,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a trace workload runs through the trace runner"),
    };
}
