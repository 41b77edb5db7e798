using Fabric.Container;
using Fabric.Host;
using Fabric.HostPe;
using Fabric.Invariants;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vm;

namespace Fabric.Tests.Properties;

using Table = Fabric.TceTable.TceTable;

/// <summary>
/// One host made of the pure cores only, run synchronously: HostTopology decides and applies,
/// the hardware tables, TCE caches and DMA engines do what the host, table and PE actors make
/// them do, and kills happen at once. Thousands of steps a second, for property tests.
/// </summary>
public sealed class PureHost
{
    private readonly Dictionary<string, GuestRam> _rams = new();
    private readonly Dictionary<(string Vm, ulong Liobn), Table> _tables = new();
    private readonly Dictionary<string, HardwareTceTable> _hardware = new();
    private readonly Dictionary<int, HardwareTceTable[]> _windows = new();
    private readonly Dictionary<int, TceCache> _caches = new();
    private long _callId;

    public PureHost(string name) => Topology = new HostTopology(name);

    public HostTopology Topology { get; }
    public InvariantChecker Checker { get; } = new();

    /// <summary>
    /// Hardware tables that lost their last LIOBN link without being cleared while groups still
    /// used them: the group design's seed-000 case, where translations go stale.
    /// </summary>
    public HashSet<HardwareTceTable> Orphaned { get; } = new();

    public SetupResult Run(IHostCommand command)
    {
        var (result, events) = Topology.Decide(command);
        if (!result.Succeeded) return result;
        foreach (var e in events)
        {
            Topology.Apply(e);
            CarryOut(e);
        }
        return result;
    }

    public HcallReturn Hcall(string vm, IHypercall call)
    {
        var table = _tables[(vm, call.Liobn)];
        var handled = table.Decide(++_callId, call);
        table.Apply(handled);
        if (handled.Writes.Length > 0)
        {
            Checker.CallApplied(vm, call.Liobn, _callId, call, handled.Writes);
            foreach (var w in handled.Writes)
                foreach (var link in table.Links)
                    Kill(HardwareMirror.Mirror(w, table.Geometry.PageShift, table.Ram, link.Table));
        }
        Checker.CallAcknowledged(vm, _callId);
        return handled.Ret;
    }

    public (DmaResult Result, InvariantViolation? Violation) Dma(int group, ulong ioba, DmaDirection dir)
    {
        var result = DmaEngine.Translate(_windows[group], _caches[group], ioba, dir);
        return (result, Checker.CheckDma(Topology.Name, group, ioba, dir, result));
    }

    /// <summary>The tables the group's DMA goes through now.</summary>
    public IReadOnlyList<HardwareTceTable> WindowsOf(int group) => _windows[group];

    private HardwareTceTable[] TablesOf(string container) =>
        _hardware.Values.Where(t => t.Key.StartsWith(container + "/", StringComparison.Ordinal)).OrderBy(t => t.Window.Index).ToArray();

    private void Use(int group, HardwareTceTable[] windows)
    {
        _windows[group] = windows;
        _caches[group].InvalidateAll();
    }

    private void CarryOut(IFabricEvent e)
    {
        switch (e)
        {
            case VmCreated v:
                _rams[v.Name] = new GuestRam(v.RamBytes, v.HostBase);
                Checker.AddVm(v.Name, v.HostBase, v.RamBytes);
                break;
            case TceTableCreated t:
                _tables[(t.Vm, t.Liobn)] = new Table(new TceTableGeometry(t.Liobn, t.PageShift, t.Offset, t.Size), t.InKernel, t.InUserspace, _rams[t.Vm]);
                Checker.AddTable(t.Vm, t.Liobn, t.PageShift, t.Offset, t.Size);
                break;
            case HostPeAdded p:
                _windows[p.Group] = [];
                _caches[p.Group] = new TceCache();
                break;
            case VfioIommuSet s:
                foreach (var w in s.Windows)
                {
                    var table = _hardware[ContainerKeys.Window(s.Container, w.Index)] = new HardwareTceTable(ContainerKeys.Window(s.Container, w.Index), w);
                    foreach (var g in s.Groups) table.AddGroup(g);
                }
                foreach (var g in s.Groups) Use(g, TablesOf(s.Container));
                break;
            case VfioGroupAttached a:
                foreach (var t in TablesOf(a.Container)) t.AddGroup(a.Group);
                Use(a.Group, TablesOf(a.Container));
                foreach (var (vm, liobn) in Topology.Containers[a.Container].Bindings) Checker.LinkGroup(Topology.Name, a.Group, vm, liobn);
                break;
            case VfioGroupDetached d:
                foreach (var t in TablesOf(d.Container)) t.RemoveGroup(d.Group);
                Use(d.Group, [HostDefaultWindow.For(d.Group)]);
                if (Topology.Containers.TryGetValue(d.Container, out var left))
                    foreach (var (vm, liobn) in left.Bindings) Checker.UnlinkGroup(Topology.Name, d.Group, vm, liobn);
                break;
            case VfioIommuReleased r:
                foreach (var t in TablesOf(r.Container)) _hardware.Remove(t.Key);
                break;
            case GroupBound b:
                Link(b.Vm, b.Liobn, b.Container, b.Window);
                break;
            case ContainerBound b:
                Link(b.Vm, b.Liobn, b.Container, b.Window);
                break;
            case LiobnUnlinked u:
                Unlink(u);
                break;
        }
    }

    /// <summary>As TceTableActor links: a new link gets the guest's view written into it; every group of the container is the guest's.</summary>
    private void Link(string vm, ulong liobn, string container, int window)
    {
        var table = _tables[(vm, liobn)];
        var hw = _hardware[ContainerKeys.Window(container, window)];
        var isNew = table.Links.All(l => !ReferenceEquals(l.Table, hw));
        table.Link(new HardwareLink(hw, container, window, 1));
        if (isNew)
        {
            Kill(Clear(table, hw));
            foreach (var (entry, value) in table.View.NonZero())
                HardwareMirror.Mirror(new TceRunWritten(entry, [value]), table.Geometry.PageShift, table.Ram, hw);
            Orphaned.Remove(hw);
        }
        foreach (var g in Topology.Containers[container].Groups) Checker.LinkGroup(Topology.Name, g, vm, liobn);
    }

    private void Unlink(LiobnUnlinked u)
    {
        var table = _tables[(u.Vm, u.Liobn)];
        var link = table.Links.FirstOrDefault(l => l.Container == u.Container && l.Window == u.Window);
        table.Unlink(u.Container, u.Window);
        if (link is null || table.Links.Any(l => ReferenceEquals(l.Table, link.Table))) return;
        if (u.ClearHardware)
        {
            Kill(Clear(table, link.Table));
            foreach (var g in link.Table.Groups) Checker.UnlinkGroup(Topology.Name, g, u.Vm, u.Liobn);
        }
        else if (link.Table.Groups.Length > 0) Orphaned.Add(link.Table);
    }

    private static KillRange Clear(Table table, HardwareTceTable hw)
    {
        var g = table.Geometry;
        var shift = g.PageShift - hw.PageShift;
        hw.ClearRange(g.Offset << shift, g.Size << shift);
        return new KillRange(hw, g.Offset << shift, g.Size << shift);
    }

    private void Kill(KillRange range)
    {
        foreach (var g in range.Table.Groups) _caches[g].Invalidate(range.Table.Key, range.FirstEntry, range.Count);
    }
}
