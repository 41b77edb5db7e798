using Fabric.Hosting.Workloads;
using Fabric.Messages;

namespace Fabric.Hosting.Scenario;

/// <summary>
/// Builds a scenario's topology with the same setup commands a trace's setup lines send, so
/// the run's journal replays and exports like a trace's: hosts and PEs, VMs, emulated PHBs,
/// KVM windows each bound to a VFIO container of its PEs, guest PEs, and one TCE list page per
/// vCPU for INDIRECT calls.
/// </summary>
public static class TopologyBuilder
{
    /// <summary>Each host is built in the file's order; hosts are built side by side (a rack's hosts share nothing).</summary>
    public static Task Build(FabricRuntime fabric, Scenario s)
    {
        // The hosts' actors are started here, one after another: the runtime's table of hosts is
        // only read from then on, by the builds running side by side.
        foreach (var h in s.Hosts) fabric.Host(h.Name);
        return Task.WhenAll(s.Hosts.Select(h => BuildHost(fabric, h, s.Vms.Where(v => v.Host == h.Name))));
    }

    private static async Task BuildHost(FabricRuntime fabric, HostSpec host, IEnumerable<VmSpec> vms)
    {
        foreach (var pe in host.Pes)
            await Ok(fabric, host.Name, new AddHostPe(pe.Group, pe.Phb), $"hosts.{host.Name}.pes");
        foreach (var vm in vms)
        {
            var at = $"vms.{vm.Name}";
            await Ok(fabric, vm.Host, new CreateVm(vm.Name, vm.RamBytes, vm.Vcpus, vm.Binding), at);
            foreach (var phb in vm.Phbs)
                await Ok(fabric, vm.Host, new AddPhb(vm.Name, phb.Index, phb.Ddw, phb.PageSizeMask, AddPhb.DefaultWindowSize,
                    AddPhb.DefaultDma64WindowAddress), $"{at}.phbs");
            foreach (var w in vm.Windows)
            {
                var wat = $"{at}.windows.{w.Name}";
                await Ok(fabric, vm.Host, new CreateTceTable(vm.Name, w.Liobn, w.PageShift, w.Offset >> w.PageShift, w.Entries, 0), wat);
                if (w.Pes.Count == 0) continue;
                await Ok(fabric, vm.Host, new CreateContainer(ContainerOf(vm, w), [.. w.Pes],
                    [new HardwareWindow(0, w.PageShift, w.Offset, w.Entries)]), wat);
                await Ok(fabric, vm.Host, new BindGroupToLiobn(vm.Name, w.Liobn, w.Pes[0]), wat);
                if (w.GuestPe is { } id) await Ok(fabric, vm.Host, new DefineGuestPe(vm.Name, id, [.. w.Pes]), wat);
            }
            for (var v = 0; v < vm.Vcpus && v < (int)WorkloadSlice.TceListPages; v++)
                await Ok(fabric, vm.Host, new PokeGuestRam(vm.Name, WorkloadSlice.TceListOf(vm.RamBytes, v), TceList(vm.RamBytes, v)), at);
        }
    }

    public static string ContainerOf(VmSpec vm, WindowSpec w) => $"{vm.Name}-{w.Name}";

    /// <summary>512 read-write TCEs for pages below the TCE list pages, different per vCPU.</summary>
    private static ulong[] TceList(ulong ram, int vcpu)
    {
        var pages = (ram >> 12) - WorkloadSlice.TceListPages;
        return [.. Enumerable.Range(0, 512).Select(k => (((ulong)vcpu * 512 + (ulong)k) % pages << 12) | 3)];
    }

    private static async Task Ok(FabricRuntime fabric, string host, IHostCommand command, string key)
    {
        var r = await fabric.Setup(host, command);
        if (!r.Succeeded)
            throw new ScenarioException($"scenario.{key}: the fabric refused {command.GetType().Name} on host {host}: {r.Detail}");
    }
}
