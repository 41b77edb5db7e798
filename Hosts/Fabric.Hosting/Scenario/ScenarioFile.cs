using Akka.Configuration;
using Fabric.Hosting.Replay;
using Fabric.Messages;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// Reads a scenario file (HOCON, docs/scenarios.md). Every mistake is a
/// <see cref="ScenarioException"/> that names the file, the line, the key and the fix; nothing
/// is started before the whole file has been checked.
/// </summary>
public static class ScenarioFile
{
    private static readonly Dictionary<string, WorkloadKind> Kinds = new()
    {
        ["network"] = WorkloadKind.Network,
        ["storage"] = WorkloadKind.Storage,
        ["firmware"] = WorkloadKind.Firmware,
        ["adversarial"] = WorkloadKind.Adversarial,
        ["trace"] = WorkloadKind.Trace,
        ["pseries-boot"] = WorkloadKind.PseriesBoot,
        ["eeh-recovery"] = WorkloadKind.EehRecovery,
    };

    /// <summary>The keys each workload kind takes (a pseries boot's: PseriesBootWorkloads.Parse).</summary>
    private static readonly Dictionary<WorkloadKind, string[]> WorkloadKeys = new()
    {
        [WorkloadKind.Network] = ["kind", "vm", "window", "vcpus", "dma"],
        [WorkloadKind.Storage] = ["kind", "vm", "window", "vcpus", "dma"],
        [WorkloadKind.Firmware] = ["kind", "vm", "window", "vcpus", "dma"],
        [WorkloadKind.Adversarial] = ["kind", "vm", "window", "vcpus", "dma"],
        [WorkloadKind.Trace] = ["kind", "file"],
        [WorkloadKind.EehRecovery] = ["kind", "vm", "guest-pe", "reset", "enable", "max-freezes"],
    };

    private static readonly Dictionary<string, FaultKind> FaultKinds = new()
    {
        ["kill-drop"] = FaultKind.KillDrop,
        ["kill-delay"] = FaultKind.KillDelay,
        ["kill-duplicate"] = FaultKind.KillDuplicate,
        ["crash"] = FaultKind.Crash,
        ["freeze"] = FaultKind.Freeze,
        ["journal-fail"] = FaultKind.JournalFail,
        ["node-kill"] = FaultKind.NodeKill,
    };

    private static readonly Dictionary<string, LiobnBinding> Bindings = new()
    {
        ["group"] = LiobnBinding.Group,
        ["container"] = LiobnBinding.Container,
    };

    /// <summary>The actors a crash fault may pick.</summary>
    public static readonly string[] CrashTargets = ["tce-table", "router", "vcpu", "host-pe", "kill-register"];

    public static Scenario Load(string path)
    {
        var file = System.IO.Path.GetFullPath(path);
        if (!File.Exists(file))
            throw new ScenarioException($"{file}: no such scenario file; the shipped ones are in config/scenarios/");
        return Parse(file, File.ReadAllText(file));
    }

    public static Scenario Parse(string file, string text)
    {
        var config = HoconShape.Parse(file, text, m => new ScenarioException(m));
        var lines = new HoconLines(text);
        var root = new ScenarioNode(file, lines, "scenario", config.Root.GetObject().GetKey("scenario"));
        if (!root.Exists)
            throw new ScenarioException($"{file}:1: no scenario {{ ... }} block; a scenario file holds one (see config/scenarios/quickstart.hocon)");
        root.OnlyKeys("name", "seed", "calls", "duration", "durability", "journal", "hcall-timeout", "hosts", "vms", "workloads", "faults", "cluster");

        var calls = root["calls"].Exists ? root["calls"].Long() : (long?)null;
        if (calls <= 0) throw root["calls"].Error("expected a number of hypercalls above 0");
        var duration = root["duration"].Duration();
        var durability = root["durability"].StringOrNull();
        if (durability is not (null or "strict" or "async" or "off"))
            throw root["durability"].Error($"{durability} is not one of strict, async, off");
        var journal = root["journal"].StringOrNull();
        if (journal is not (null or "memory"))
            throw root["journal"].Error($"{journal} is not a journal a scenario can choose; write journal = memory, or leave it out and name one with --journal");

        var hosts = root["hosts"].Children().Select(Host).ToList();
        if (hosts.Count == 0) throw root.Error("has no hosts; add `hosts { h0 { pes = [1, 2] } }`");
        var vms = root["vms"].Children().Select(v => Vm(v, hosts)).ToList();
        if (vms.Count == 0) throw root.Error("has no VMs; add `vms { g1 { host = h0, ram = 2G, vcpus = 2 } }`");
        CheckPesUsedOnce(root["vms"], vms);
        var seed = root["seed"].Int(1);
        var workloads = root["workloads"].Children().Select(w => Workload(w, vms, file)).ToList();
        if (workloads.Count == 0) throw root.Error("has no workloads; add `workloads { net { kind = network, vm = g1 } }`");
        CheckOnePerTarget(root["workloads"], workloads);
        // A boot ends when the guest has booted; the drivers' calls need an end of their own.
        if (calls is null && duration is null && workloads.Any(w => w.Kind != WorkloadKind.PseriesBoot))
            throw root.Error("says neither calls nor duration; add `calls = 100000` or `duration = 30s` (or both: whichever comes first ends the run)");
        var faults = root["faults"].Children().Select(f => Fault(f, hosts)).ToList();
        if (faults.Count(f => f.Kind == FaultKind.JournalFail) > 1)
            throw root["faults"].Error("has more than one journal-fail fault; the journal has one: give one fault both rate and every");
        var cluster = Cluster(root["cluster"]);
        CheckClusterFaults(root, cluster, faults, workloads, journal);
        var scenario = new Scenario(file, root["name"].StringOrNull() ?? System.IO.Path.GetFileNameWithoutExtension(file), seed, calls, duration,
            durability, root["hcall-timeout"].Duration(), hosts, vms, workloads, faults) { Journal = journal, Cluster = cluster };
        return ScenarioReplicas.Expand(scenario, root);
    }

    private static HostSpec Host(ScenarioNode h)
    {
        h.OnlyKeys("pes", "phb", "count");
        var phb = h["phb"].Int(0);
        var count = h["count"].Int(1);
        if (count is < 1 or > ScenarioReplicas.MaxHosts) throw h["count"].Error($"expected between 1 and {ScenarioReplicas.MaxHosts} hosts");
        var pes = h["pes"].Ints();
        if (pes.Count == 0) throw h["pes"].Error("missing; list the host's PEs (IOMMU group numbers), e.g. pes = [1, 2]");
        if (pes.Distinct().Count() != pes.Count) throw h["pes"].Error("lists a PE twice");
        return new HostSpec(h.Name, [.. pes.Select(p => new PeSpec(p, phb))]) { Count = count };
    }

    private static VmSpec Vm(ScenarioNode v, List<HostSpec> hosts)
    {
        v.OnlyKeys("host", "ram", "vcpus", "binding", "phbs", "phb-page-sizes", "windows");
        var host = v["host"].String();
        if (hosts.All(h => h.Name != host))
            throw v["host"].Error($"no host named {host}; the hosts are {string.Join(", ", hosts.Select(h => h.Name))}");
        var vcpus = v["vcpus"].Int(1);
        if (vcpus is < 1 or > 4096) throw v["vcpus"].Error("expected between 1 and 4096 vCPUs");
        var ram = v["ram"].Size();
        var pageSizes = PseriesBootWorkloads.PageSizeMask(v["phb-page-sizes"]);
        var phbs = v["phbs"].Ints().Select(i => new PhbSpec(i, true) { PageSizeMask = pageSizes }).ToList();
        var windows = v["windows"].Children().Select(w => Window(w, hosts.First(h => h.Name == host), ram)).ToList();
        if (windows.Select(w => w.Liobn).Distinct().Count() != windows.Count)
            throw v["windows"].Error("two windows have the same liobn");
        return new VmSpec(v.Name, host, ram, vcpus, v["binding"].Choice(Bindings, LiobnBinding.HostDefault), phbs, windows);
    }

    private static WindowSpec Window(ScenarioNode w, HostSpec host, ulong ram)
    {
        w.OnlyKeys("liobn", "page-shift", "offset", "size", "pes", "guest-pe");
        var pageShift = w["page-shift"].Int(12);
        if (pageShift is < 12 or > 34) throw w["page-shift"].Error("expected a page shift between 12 (4K) and 34 (16G)");
        var size = w["size"].Size(1UL << 30);
        var offset = w["offset"].Hex(0);
        if (size % (1UL << pageShift) != 0 || offset % (1UL << pageShift) != 0)
            throw w["size"].Error($"size and offset must be multiples of the page size (1 << {pageShift})");
        var pes = w["pes"].Ints();
        foreach (var pe in pes)
            if (host.Pes.All(p => p.Group != pe))
                throw w["pes"].Error($"host {host.Name} has no PE {pe}; its PEs are {string.Join(", ", host.Pes.Select(p => p.Group))}");
        int? guestPe = w["guest-pe"].Exists ? w["guest-pe"].Int() : null;
        if (guestPe is not null && pes.Count == 0) throw w["guest-pe"].Error("a guest PE needs host PEs; add pes = [...]");
        return new WindowSpec(w.Name, w["liobn"].Hex(), pageShift, offset, size, pes, guestPe);
    }

    private static void CheckPesUsedOnce(ScenarioNode vmsNode, List<VmSpec> vms)
    {
        var owner = new Dictionary<(string, int), string>();
        foreach (var vm in vms)
            foreach (var w in vm.Windows)
                foreach (var pe in w.Pes)
                    if (!owner.TryAdd((vm.Host, pe), $"{vm.Name}.windows.{w.Name}"))
                        throw vmsNode[vm.Name]["windows"][w.Name]["pes"].Error($"PE {pe} of host {vm.Host} is already given to {owner[(vm.Host, pe)]}; a PE belongs to one window");
    }

    private static WorkloadSpec Workload(ScenarioNode w, List<VmSpec> vms, string scenarioFile)
    {
        var kind = w["kind"].Choice(Kinds);
        if (kind == WorkloadKind.PseriesBoot) return PseriesBootWorkloads.Parse(w, vms);
        w.OnlyKeys(WorkloadKeys[kind]);
        if (kind == WorkloadKind.Trace)
        {
            var path = w["file"].String();
            var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(scenarioFile)!, path));
            if (!File.Exists(full)) throw w["file"].Error($"no trace file {full}; the path is relative to the scenario file");
            return new WorkloadSpec(w.Name, kind, null, null, null, false, full);
        }
        var vmName = w["vm"].String();
        var vm = vms.FirstOrDefault(v => v.Name == vmName)
                 ?? throw w["vm"].Error($"no VM named {vmName}; the VMs are {string.Join(", ", vms.Select(v => v.Name))}");
        if (kind == WorkloadKind.EehRecovery) return Recovery(w, vm);
        if (vm.Windows.Count == 0)
            throw w["vm"].Error($"VM {vmName} has no windows to map; give it one: windows {{ dma {{ liobn = 0x1, size = 1G, pes = [1] }} }}");
        var window = w["window"].StringOrNull() ?? vm.Windows[0].Name;
        if (vm.Windows.All(x => x.Name != window))
            throw w["window"].Error($"VM {vmName} has no window {window}; its windows are {string.Join(", ", vm.Windows.Select(x => x.Name))}");
        return new WorkloadSpec(w.Name, kind, vmName, window, Vcpus(w, vm), w["dma"].Bool(true), null);
    }

    private static int? Vcpus(ScenarioNode w, VmSpec vm)
    {
        int? vcpus = w["vcpus"].Exists ? w["vcpus"].Int() : null;
        if (vcpus is < 1 || vcpus > vm.Vcpus) throw w["vcpus"].Error($"expected between 1 and the VM's {vm.Vcpus} vCPUs");
        return vcpus;
    }

    /// <summary>An EEH recovery driver looks after one guest PE of its VM (by default its only one).</summary>
    private static WorkloadSpec Recovery(ScenarioNode w, VmSpec vm)
    {
        var defined = vm.Windows.Where(x => x.GuestPe is not null).Select(x => x.GuestPe!.Value).ToList();
        if (defined.Count == 0)
            throw w["vm"].Error($"VM {vm.Name} has no guest PE to recover; give one of its windows guest-pe = 1 (and pes = [...])");
        if (!w["guest-pe"].Exists && defined.Count > 1)
            throw w.Error($"VM {vm.Name} has guest PEs {string.Join(", ", defined)}; say which: guest-pe = {defined[0]}");
        var guestPe = w["guest-pe"].Int(defined[0]);
        if (!defined.Contains(guestPe))
            throw w["guest-pe"].Error($"VM {vm.Name} has no guest PE {guestPe}; its guest PEs are {string.Join(", ", defined)}");
        int? maxFreezes = w["max-freezes"].Exists ? w["max-freezes"].Int() : null;
        if (maxFreezes < 1) throw w["max-freezes"].Error("expected a number of freezes of at least 1 (Linux's default is 5)");
        return new WorkloadSpec(w.Name, WorkloadKind.EehRecovery, vm.Name, null, null, false, null, GuestPe: guestPe,
            NeedsReset: w["reset"].Bool(true), MaxFreezes: maxFreezes, EnableEeh: w["enable"].Bool(true));
    }

    /// <summary>
    /// One recovery driver per guest PE; and since the fabric counts every host PE's freezes
    /// against one limit, the recovery drivers that set max-freezes agree on it.
    /// </summary>
    private static void CheckOnePerTarget(ScenarioNode node, List<WorkloadSpec> workloads)
    {
        foreach (var g in workloads.Where(w => w.Kind == WorkloadKind.EehRecovery).GroupBy(w => (w.Vm, w.GuestPe)).Where(g => g.Count() > 1))
            throw node[g.ElementAt(1).Name]["guest-pe"].Error($"guest PE {g.Key.GuestPe} of VM {g.Key.Vm} is already recovered by {g.First().Name}; a guest PE has one recovery driver");
        var limits = workloads.Where(w => w.MaxFreezes is not null).ToList();
        if (limits.FirstOrDefault(w => w.MaxFreezes != limits[0].MaxFreezes) is { } other)
            throw node[other.Name]["max-freezes"].Error($"{other.MaxFreezes} differs from {limits[0].Name}'s {limits[0].MaxFreezes}; the fabric has one limit, give them the same");
    }

    private static ClusterSpec? Cluster(ScenarioNode c)
    {
        if (!c.Exists) return null;
        c.OnlyKeys("nodes", "base-port");
        var nodes = c["nodes"].Int();
        if (nodes is < 1 or > 16) throw c["nodes"].Error($"{nodes} nodes: expected 1 to 16 (members on this machine)");
        var port = c["base-port"].Int(4053);
        if (port is < 1024 || port > 65535 - nodes) throw c["base-port"].Error($"{port}: expected a port from 1024 to {65535 - nodes}, the first of {nodes}");
        return new ClusterSpec(nodes, port);
    }

    /// <summary>
    /// On a cluster the run is a client: what needs the hosts' actors or memory in this process
    /// cannot run there, and more node-kills than leave a majority would take the cluster down.
    /// </summary>
    private static void CheckClusterFaults(ScenarioNode root, ClusterSpec? cluster, List<FaultSpec> faults, List<WorkloadSpec> workloads, string? journal)
    {
        var faultNodes = root["faults"].Children().ToDictionary(f => f.Name);
        if (cluster is null)
        {
            if (faults.FirstOrDefault(f => f.Kind == FaultKind.NodeKill) is { } kill)
                throw faultNodes[kill.Name].Error("a node-kill fault needs the scenario to run on a cluster; add `cluster { nodes = 3 }`");
            return;
        }
        if (journal == "memory")
            throw root["journal"].Error("a cluster's members share one journal, and memory is not shared; leave journal out and name a SQLite file or postgres with --journal");
        foreach (var f in faults.Where(f => f.Kind is not (FaultKind.NodeKill or FaultKind.Freeze)))
            throw faultNodes[f.Name].Error($"a {faultNodes[f.Name]["kind"].String()} fault reaches the hosts' actors and memory in this process; on a cluster a scenario can have node-kill and freeze faults (remove this fault, or the cluster block)");
        var workloadNodes = root["workloads"].Children().ToDictionary(w => w.Name);
        foreach (var w in workloads.Where(w => w.Kind is WorkloadKind.PseriesBoot or WorkloadKind.EehRecovery or WorkloadKind.Trace))
            throw workloadNodes[w.Name].Error($"a {workloadNodes[w.Name]["kind"].String()} workload runs in the hosts' process; on a cluster a scenario can run network, storage, firmware and adversarial drivers");
        var kills = faults.Where(f => f.Kind == FaultKind.NodeKill).ToList();
        if (2 * kills.Count >= cluster.Nodes)
            throw root["faults"].Error($"kills {kills.Count} of {cluster.Nodes} nodes; the survivors must be a majority (keep-majority downs a minority): give the cluster at least {2 * kills.Count + 1} nodes");
        foreach (var k in kills.Where(k => k.Node > cluster.Nodes))
            throw faultNodes[k.Name]["node"].Error($"node {k.Node}: the cluster has nodes 1 to {cluster.Nodes}");
        if (kills.Where(k => k.Node is not null).GroupBy(k => k.Node).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw faultNodes[twice.Last().Name]["node"].Error($"node {twice.Key} is killed by another fault already");
    }

    private static FaultSpec Fault(ScenarioNode f, List<HostSpec> hosts)
    {
        var kind = f["kind"].Choice(FaultKinds);
        if (kind == FaultKind.NodeKill)
        {
            f.OnlyKeys("kind", "at", "node");
            var at = f["at"].Duration() ?? throw f.Error("a node-kill fault needs at = (when, from the start of the drivers' run, e.g. at = 10s)");
            int? node = f["node"].Exists ? f["node"].Int() : null;
            if (node < 1) throw f["node"].Error($"node {node}: nodes count from 1 (the first started)");
            return new FaultSpec(f.Name, kind, 0, TimeSpan.Zero, TimeSpan.Zero, null, null, []) { At = at, Node = node };
        }
        f.OnlyKeys("kind", "rate", "every", "delay", "host", "pe", "actors");
        var every = f["every"].Duration();
        if (kind is FaultKind.Crash or FaultKind.Freeze && every is null)
            throw f.Error($"a {f["kind"].String()} fault needs every = (e.g. every = 10ms)");
        var rate = f["rate"].Rate(kind is FaultKind.KillDrop or FaultKind.KillDelay or FaultKind.KillDuplicate ? 0.01 : 0);
        if (kind == FaultKind.JournalFail && rate == 0 && every is null)
            throw f.Error("a journal-fail fault needs rate = (of writes to fail, e.g. rate = 0.001) or every = (e.g. every = 100ms), or both");
        var actors = f["actors"].Strings();
        foreach (var a in actors)
            if (!CrashTargets.Contains(a)) throw f["actors"].Error($"{a} is not one of {string.Join(", ", CrashTargets)}");
        var host = f["host"].StringOrNull();
        if (host is not null && hosts.All(h => h.Name != host)) throw f["host"].Error($"no host named {host}");
        int? pe = f["pe"].Exists ? f["pe"].Int() : null;
        if (pe is not null && hosts.Where(h => host is null || h.Name == host).All(h => h.Pes.All(p => p.Group != pe)))
            throw f["pe"].Error($"no host has PE {pe}");
        return new FaultSpec(f.Name, kind, rate, every ?? TimeSpan.Zero, f["delay"].Duration() ?? TimeSpan.FromMilliseconds(1), host, pe,
            actors.Count > 0 ? actors : CrashTargets);
    }
}
