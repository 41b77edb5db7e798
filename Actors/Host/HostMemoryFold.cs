using Fabric.Container;
using Fabric.Messages;
using Fabric.Vfio;
using Fabric.Vm;

namespace Fabric.Host;

/// <summary>
/// What a host event makes exist in the host's memory: guest RAM and its contents, hardware
/// tables and the groups on them, preregistered regions. The host actor folds its journal through
/// this before it starts its actors; replay folds the same events through it, so both see the
/// same hardware tables.
/// </summary>
public static class HostMemoryFold
{
    public static void Materialize(HostMemory memory, HostTopology topology, IFabricEvent e)
    {
        switch (e)
        {
            case VmCreated v:
                memory.GuestRams.GetOrAdd(v.Name, _ => new GuestRam(v.RamBytes, v.HostBase));
                break;
            case GuestRamWritten w:
                var ram = memory.GuestRams[w.Vm];
                for (var i = 0; i < w.Words.Length; i++) ram.WriteBe64(w.Gpa + (ulong)i * 8, w.Words[i]);
                break;
            case ContainerCreated c:
                AddWindows(memory, c.Id, c.Windows, c.Groups);
                break;
            case VfioIommuSet s:
                AddWindows(memory, s.Container, s.Windows, s.Groups);
                break;
            case VfioGroupAttached a:
                foreach (var t in memory.TablesOf(a.Container)) t.AddGroup(a.Group);
                break;
            case VfioGroupDetached d:
                foreach (var t in memory.TablesOf(d.Container)) t.RemoveGroup(d.Group);
                break;
            case VfioIommuReleased r:
                foreach (var t in memory.TablesOf(r.Container)) memory.HardwareTables.TryRemove(t.Key, out _);
                VfioMemoryRegistration.Publish(topology, memory);
                break;
            case SpaprTceWindowCreated w:
                var created = memory.HardwareTables.GetOrAdd(ContainerKeys.Window(w.Container, w.Window.Index), k => new HardwareTceTable(k, w.Window, w.Levels));
                foreach (var g in topology.Containers[w.Container].Groups) created.AddGroup(g);
                break;
            case SpaprTceWindowRemoved r:
                if (memory.HardwareTables.TryRemove(ContainerKeys.Window(r.Container, r.Index), out var gone))
                    foreach (var g in gone.Groups) gone.RemoveGroup(g);
                break;
            case MemoryRegistered or MemoryUnregistered:
                VfioMemoryRegistration.Publish(topology, memory);
                break;
        }
    }

    private static void AddWindows(HostMemory memory, string container, IEnumerable<HardwareWindow> windows, IEnumerable<int> groups)
    {
        foreach (var w in windows)
        {
            var t = memory.HardwareTables.GetOrAdd(ContainerKeys.Window(container, w.Index), k => new HardwareTceTable(k, w));
            foreach (var g in groups) t.AddGroup(g);
        }
    }
}
