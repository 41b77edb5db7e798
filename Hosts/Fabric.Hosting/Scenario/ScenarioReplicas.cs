namespace Fabric.Hosting.Scenario;

/// <summary>
/// A rack of hosts alike: a host written with <c>count = N</c> stands for hosts NAME0..NAME(N-1),
/// each with the host's PEs and with every VM written on it (VM g on host h becomes g-h0,
/// g-h1, ...), and a workload of such a VM runs on each of its copies. The file stays as short
/// as one host's, whatever the size of the rack.
/// </summary>
public static class ScenarioReplicas
{
    /// <summary>The most hosts one entry may stand for.</summary>
    public const int MaxHosts = 4096;

    /// <param name="root">The file's scenario block, to name the line of a clash.</param>
    public static Scenario Expand(Scenario s, ScenarioNode root)
    {
        if (s.Hosts.All(h => h.Count == 1)) return s;
        var copies = s.Hosts.ToDictionary(h => h.Name, h => h.Count == 1 ? [h.Name] : Enumerable.Range(0, h.Count).Select(i => $"{h.Name}{i}").ToArray());
        var hosts = s.Hosts.SelectMany(h => copies[h.Name].Select(name => h with { Name = name, Count = 1 })).ToList();
        if (DuplicateOf(hosts.Select(h => h.Name)) is { } host)
            throw root["hosts"][s.Hosts.FirstOrDefault(h => h.Name == host)?.Name ?? s.Hosts.First(h => h.Count > 1).Name]
                .Error($"the copies of a host with count = are named NAME0, NAME1, ...; two hosts end up with one name ({host}): rename one");

        string VmCopy(VmSpec vm, string host) => copies[vm.Host].Length == 1 ? vm.Name : $"{vm.Name}-{host}";
        var vms = s.Vms.SelectMany(vm => copies[vm.Host].Select(host => vm with { Name = VmCopy(vm, host), Host = host })).ToList();
        if (DuplicateOf(vms.Select(v => v.Name)) is { } name)
            throw root["vms"][s.Vms.FirstOrDefault(v => v.Name == name)?.Name ?? s.Vms.First(v => copies[v.Host].Length > 1).Name]
                .Error($"the copies of a VM on a host with count = are named VM-HOST; two VMs end up with one name ({name}): rename one");

        var byName = s.Vms.ToDictionary(v => v.Name);
        var workloads = s.Workloads.SelectMany(w =>
            w.Vm is { } vm && copies[byName[vm].Host] is { Length: > 1 } hostCopies
                ? hostCopies.Select(host => w with { Name = $"{w.Name}-{host}", Vm = VmCopy(byName[vm], host) })
                : [w]).ToList();
        var faults = s.Faults.SelectMany(f =>
            f.Host is { } host && copies[host] is { Length: > 1 } hostCopies
                ? hostCopies.Select(h => f with { Name = $"{f.Name}-{h}", Host = h })
                : [f]).ToList();
        return s with { Hosts = hosts, Vms = vms, Workloads = workloads, Faults = faults };
    }

    private static string? DuplicateOf(IEnumerable<string> names) => names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1)?.Key;
}
