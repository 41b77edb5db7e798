using System.Diagnostics;
using Fabric.Hosting.Workloads;
using Fabric.Messages;
using Fabric.Vcpu;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// What the pseries boots of a run did: guests booted, TCEs mapped, hypercalls, the time from
/// first to last, and the processor time the whole process spent meanwhile (on a machine shared
/// with other work the elapsed time says little; the processor time says what the boot costs).
/// </summary>
public sealed record BootFigures(int Guests, long TcesMapped, long Hcalls, TimeSpan Elapsed, TimeSpan CpuTime)
{
    public double TcesPerSecond => Elapsed.TotalSeconds > 0 ? TcesMapped / Elapsed.TotalSeconds : 0;
    public double TcesPerCpuSecond => CpuTime.TotalSeconds > 0 ? TcesMapped / CpuTime.TotalSeconds : 0;

    public string Describe()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return $"{Guests.ToString("N0", inv)} guests booted in {Elapsed.TotalSeconds.ToString("F2", inv)} s, " +
               $"{TcesMapped.ToString("N0", inv)} TCEs mapped ({TcesPerSecond.ToString("N0", inv)} TCEs/s), {Hcalls.ToString("N0", inv)} hypercalls; " +
               $"{CpuTime.TotalSeconds.ToString("F1", inv)} s of processor time ({TcesPerCpuSecond.ToString("N0", inv)} TCEs per processor second)";
    }
}

/// <summary>
/// The <c>pseries-boot</c> workload: a Linux pseries guest brings up DMA on each of its PHBs
/// (<see cref="PseriesBoot"/>: the default window cleared, then a dynamic DMA window of all RAM
/// created and every page of RAM mapped with H_PUT_TCE_INDIRECT). Without <c>vm =</c> every VM
/// with a PHB boots. Boots run before the drivers' workloads, all guests at once, as a rack
/// powering on.
/// </summary>
public static class PseriesBootWorkloads
{
    /// <summary>QEMU's spapr-pci-host-bridge pgsz, one bit per size, as the guest's query reads it.</summary>
    private static readonly Dictionary<string, ulong> PageSizes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["4K"] = 0x1, ["64K"] = 0x2, ["16M"] = 0x4, ["32M"] = 0x8, ["64M"] = 0x10, ["128M"] = 0x20, ["256M"] = 0x40, ["16G"] = 0x80,
    };

    /// <summary>phb-page-sizes = [4K, 64K]: the IOMMU page sizes the VM's PHBs offer (else QEMU's default, 4K, 64K and 16M).</summary>
    public static ulong PageSizeMask(ScenarioNode node)
    {
        if (!node.Exists) return AddPhb.DefaultPageSizeMask;
        ulong mask = 0;
        foreach (var size in node.Strings())
            mask |= PageSizes.TryGetValue(size, out var bit) ? bit : throw node.Error($"{size} is not a page size a PHB offers; use {string.Join(", ", PageSizes.Keys)}");
        return mask != 0 ? mask : throw node.Error("lists no page size; e.g. phb-page-sizes = [4K, 64K]");
    }

    public static WorkloadSpec Parse(ScenarioNode w, IReadOnlyList<VmSpec> vms)
    {
        w.OnlyKeys("kind", "vm", "vcpus");
        var vmName = w["vm"].StringOrNull();
        int? vcpus = w["vcpus"].Exists ? w["vcpus"].Int() : null;
        if (vmName is null)
        {
            if (vms.All(v => v.Phbs.Count == 0)) throw w.Error("no VM has a PHB to boot on; give one phbs = [1]");
            if (vcpus is < 1 || vcpus > vms.Where(v => v.Phbs.Count > 0).Min(v => v.Vcpus))
                throw w["vcpus"].Error("expected between 1 and the fewest vCPUs of a VM with a PHB");
            return new WorkloadSpec(w.Name, WorkloadKind.PseriesBoot, null, null, vcpus, false, null);
        }
        var vm = vms.FirstOrDefault(v => v.Name == vmName)
                 ?? throw w["vm"].Error($"no VM named {vmName}; the VMs are {string.Join(", ", vms.Select(v => v.Name))}");
        if (vm.Phbs.Count == 0) throw w["vm"].Error($"VM {vmName} has no PHB to boot on; give it phbs = [1]");
        if (vcpus is < 1 || vcpus > vm.Vcpus) throw w["vcpus"].Error($"expected between 1 and the VM's {vm.Vcpus} vCPUs");
        return new WorkloadSpec(w.Name, WorkloadKind.PseriesBoot, vmName, null, vcpus, false, null);
    }

    /// <summary>Boots every guest the scenario's pseries-boot workloads name, all at once; null when there are none.</summary>
    public static async Task<BootFigures?> Run(FabricRuntime fabric, Scenario s, IHcallObserver observer)
    {
        var boots = s.Workloads.Where(w => w.Kind == WorkloadKind.PseriesBoot)
            .SelectMany(w => s.Vms.Where(v => v.Phbs.Count > 0 && (w.Vm is null || w.Vm == v.Name)).Select(v => (Vm: v, Vcpus: w.Vcpus ?? v.Vcpus)))
            .ToList();
        if (boots.Count == 0) return null;
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(boots.Select(b => Boot(fabric, b.Vm, b.Vcpus, observer)));
        var elapsed = clock.Elapsed;
        self.Refresh();
        return new BootFigures(boots.Count, results.Sum(r => r.Tces), results.Sum(r => r.Hcalls), elapsed, self.TotalProcessorTime - cpu);
    }

    /// <summary>Linux enables DMA on each PHB in turn.</summary>
    private static async Task<(long Tces, long Hcalls)> Boot(FabricRuntime fabric, VmSpec vm, int vcpus, IHcallObserver observer)
    {
        long tces = 0, hcalls = 0;
        foreach (var phb in vm.Phbs)
        {
            PseriesBootResult r;
            try
            {
                r = await PseriesBoot.Run(fabric, vm.Host, vm.Name, phb.Index, vcpus, observer);
            }
            catch (InvalidOperationException e)
            {
                throw new ScenarioException($"scenario.vms.{vm.Name}: the pseries boot on PHB {phb.Index} failed: {e.Message}");
            }
            tces += r.TcesMapped;
            hcalls += r.Hcalls;
        }
        return (tces, hcalls);
    }
}
