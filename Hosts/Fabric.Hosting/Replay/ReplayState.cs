using Fabric.Container;
using Fabric.Host;
using Fabric.Invariants;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vm;
using Table = Fabric.TceTable.TceTable;

namespace Fabric.Hosting.Replay;

/// <summary>An invariant violation found by replay, at the DMA's row.</summary>
public sealed record ReplayViolation(JournalPosition At, InvariantViolation Violation)
{
    /// <summary><c>row 21 (pe/h0/0.2 #3): coherence violation: ...</c></summary>
    public override string ToString() => $"{At}: {Violation}";
}

/// <summary>
/// The state of every host, TCE table and PE, rebuilt from the journal with the pure folds the
/// actors recover with (<see cref="HostTopology.Apply"/>, <see cref="Table"/>'s Apply, Link and
/// Unlink), and the invariants re-checked over the whole history with one
/// <see cref="InvariantChecker"/> per host, as each host runs one: every call is applied and
/// acknowledged at its event, every DMA checked at its event, in global order.
/// </summary>
public sealed class ReplayState
{
    private readonly Dictionary<string, HostState> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<StreamId, TableState> _tableOfStream = new(ReferenceEqualityComparer.Instance);
    private readonly List<ReplayViolation> _violations = new();
    private readonly List<(JournalPosition At, string Why)> _unjudged = new();

    /// <summary>The hosts, by name.</summary>
    public IReadOnlyDictionary<string, HostState> Hosts => _hosts;

    public IReadOnlyList<ReplayViolation> Violations => _violations;

    public long Events { get; private set; }

    /// <summary>Guest hypercalls answered (each call of a group-committed batch counts).</summary>
    public long Calls { get; private set; }

    /// <summary>Guest view entries the calls wrote (an H_PUT_TCE_INDIRECT of 512 writes 512).</summary>
    public long TcesWritten { get; private set; }

    /// <summary>Calls crashed tables applied but never journaled (TableCallsLost); not in <see cref="Calls"/>.</summary>
    public long CallsLost { get; private set; }

    public long Dmas { get; private set; }

    public long CallsAcknowledged => _hosts.Values.Sum(h => h.Checker.CallsAcknowledged);
    public long DmasChecked => _hosts.Values.Sum(h => h.Checker.DmasChecked);

    /// <summary>
    /// DMAs replay could not judge: the calls they raced with are not in the journal (it ends, or
    /// --until stops, before them) or are older than the history replay keeps (<see cref="TableHistory"/>).
    /// </summary>
    public IReadOnlyList<(JournalPosition At, string Why)> Unjudged => _unjudged;

    /// <summary>DMAs whose row came before the row of a call they raced with, judged once that call was replayed.</summary>
    public long DmasJudgedLate { get; private set; }

    /// <summary>
    /// Ends the replay: DMAs still waiting for calls the journal does not hold are counted as not
    /// judged, and violations are put in row order (a waiting DMA is judged after later rows).
    /// </summary>
    public void Finish()
    {
        foreach (var table in _hosts.Values.SelectMany(h => h.Tables.Values.Concat(h.Retired)))
        {
            foreach (var (at, d, view) in table.Deferred)
                _unjudged.Add((at, $"its DMA saw {TableName(table)} through call position {Math.Max(view.AckedThrough, view.AppliedThrough)}, but the replayed journal holds its calls only through {table.History.Position}"));
            table.Deferred.Clear();
        }
        _violations.Sort((a, b) => a.At.Ordering.CompareTo(b.At.Ordering));
        _unjudged.Sort((a, b) => a.At.Ordering.CompareTo(b.At.Ordering));
    }

    private static string TableName(TableState t) => $"VM {t.Vm}'s LIOBN 0x{t.Table.Geometry.Liobn:x}";

    /// <summary>
    /// Applies one event. Returns null, or the reason it does not fit the state so far (it refers
    /// to something its journal never created, or is not an event of its stream); then nothing
    /// of it was applied and <paramref name="kind"/> says how the row counts.
    /// </summary>
    public string? Apply(in JournalEvent e, out BadRowKind kind)
    {
        kind = BadRowKind.Inconsistent;
        var problem = e.Stream.Kind switch
        {
            StreamKind.Host => ApplyHost(e, ref kind),
            StreamKind.Tce => ApplyTce(e, ref kind),
            _ => ApplyPe(e, ref kind),
        };
        if (problem is null) Events++;
        return problem;
    }

    // ---- host/<host>: the topology -------------------------------------------------------

    private string? ApplyHost(in JournalEvent e, ref BadRowKind kind)
    {
        if (e.Event is not (ITopologyEvent or TceTableCreated or TceTableRemoved))
        {
            kind = BadRowKind.NotAnEvent;
            return $"a {e.Event.GetType().Name} is not a topology event, which is all a host stream holds";
        }
        if (!_hosts.TryGetValue(e.Stream.Host, out var host)) _hosts[e.Stream.Host] = host = new HostState(e.Stream.Host);
        var problem = host.CheckTopology(e.Event);
        if (problem is not null) return problem;

        host.Topology.Apply(e.Event);
        HostMemoryFold.Materialize(host.Memory, host.Topology, e.Event);
        foreach (var link in CheckerLinks.Of(host.Topology, e.Event))
        {
            if (link.Linked) host.Checker.LinkGroup(link.Host, link.Group, link.Vm, link.Liobn);
            else host.Checker.UnlinkGroup(link.Host, link.Group, link.Vm, link.Liobn);
        }
        if (e.Event is IIommufdEvent ioasChange) host.Checker.IoasChanged(host.Name, ioasChange);
        switch (e.Event)
        {
            case VmCreated v:
                host.Checker.AddVm(v.Name, v.HostBase, v.RamBytes);
                break;
            case GuestPeDefined g:
                host.Checker.GuestPeDefined(g.Host, g.Vm, g.Id, g.Groups);
                break;
            // An EEH RTAS call answered: its guest PE had settled (the journal has no record of a spread's end).
            case HostCommandAnswered { Command: GuestPeRtasCall c } when host.Checker.GuestPeSettled(e.Stream.Host, c.Vm, c.Id, $"{c.Call}") is { } apart:
                _violations.Add(new ReplayViolation(e.At, apart));
                break;
            case TceTableCreated t:
                if (host.Tables.TryGetValue((t.Vm, t.Liobn), out var existing))
                {
                    // StartTable on a running table: the table takes the kernel's side too.
                    existing.Table.Apply(t);
                    break;
                }
                host.Tables[(t.Vm, t.Liobn)] = new TableState(t.Vm, new Table(
                    new TceTableGeometry(t.Liobn, t.PageShift, t.Offset, t.Size), t.InKernel, t.InUserspace,
                    host.Memory.GuestRams[t.Vm]));
                host.Checker.AddTable(t.Vm, t.Liobn, t.PageShift, t.Offset, t.Size);
                break;
            case HostPeAdded p:
                host.Pes[p.Group] = new PeState(host.Name, p.Phb, p.Group);
                break;
            case TceTableRemoved r:
                // Its stream goes on with the calls it answered before the removal, up to its own marker.
                if (host.Tables.Remove((r.Vm, r.Liobn), out var removed)) host.Retired.Add(removed);
                host.Checker.RemoveTable(r.Vm, r.Liobn);
                break;
        }
        return null;
    }

    // ---- tce/<host>/<vm>/<liobn>: one table's links and calls ----------------------------

    private string? ApplyTce(in JournalEvent e, ref BadRowKind kind)
    {
        if (e.Event is not ITceEvent)
        {
            kind = BadRowKind.NotAnEvent;
            return $"a {e.Event.GetType().Name} is not a TCE table event, which is all a tce stream holds";
        }
        if (e.Event is TceTableRemoved)
        {
            // The window's life ends here in its stream: what follows belongs to the LIOBN's next window.
            _tableOfStream.Remove(e.Stream);
            return null;
        }
        if (!_tableOfStream.TryGetValue(e.Stream, out var table))
        {
            if (!_hosts.TryGetValue(e.Stream.Host, out var h) || !h.Tables.TryGetValue((e.Stream.Vm, e.Stream.Liobn), out table))
                return $"host {e.Stream.Host} never created a TCE table for LIOBN 0x{e.Stream.Liobn:x} of VM {e.Stream.Vm}";
            table.Host = h;
            _tableOfStream[e.Stream] = table;
        }
        var host = table.Host!;
        switch (e.Event)
        {
            case HcallHandled call:
                if (CheckCall(table.Table, call) is { } bad) return bad;
                ApplyCall(host, table, call);
                JudgeWaiting(host, table);
                return null;
            case HcallsHandled batch:
                if (batch.Calls is null) return "the batch holds no calls";
                foreach (var c in batch.Calls)
                    if (CheckCall(table.Table, c) is { } badInBatch) return $"call #{c?.CallId} of the batch: {badInBatch}";
                foreach (var c in batch.Calls) ApplyCall(host, table, c);
                JudgeWaiting(host, table);
                return null;
            case TableCallsLost lost:
                if (lost.Calls is null) return "the lost calls are missing";
                if (lost.FirstPosition != table.History.Position + 1 || lost.LastPosition < lost.FirstPosition + lost.Calls.Length - 1)
                    return $"it gives positions {lost.FirstPosition}..{lost.LastPosition} to {lost.Calls.Length} lost calls; the table's next position is {table.History.Position + 1}";
                foreach (var c in lost.Calls)
                    if (CheckCall(table.Table, c) is { } badLost) return $"lost call #{c?.CallId}: {badLost}";
                // Not applied: the crash cleared them from the hardware and the guest heard H_HARDWARE.
                table.History.RecordLost(lost);
                CallsLost += lost.LastPosition - lost.FirstPosition + 1;
                JudgeWaiting(host, table);
                return null;
            case TceTableCreated t:
                var g = table.Table.Geometry;
                if (t.Vm != e.Stream.Vm || t.Liobn != e.Stream.Liobn || t.PageShift != g.PageShift || t.Offset != g.Offset || t.Size != g.Size)
                    return $"the table was created with page_shift={g.PageShift} offset=0x{g.Offset:x} size=0x{g.Size:x}, this event says {t}";
                table.Table.Apply(t);
                return null;
            case HardwareTableLinked l:
                if (!host.Memory.HardwareTables.TryGetValue(ContainerKeys.Window(l.Container ?? "", l.Window), out var hw))
                    return $"host {host.Name} has no hardware window {l.Window} of container {l.Container}";
                table.Table.Link(new HardwareLink(hw, l.Container!, l.Window, 1));
                return null;
            case HardwareTableUnlinked u:
                if (!host.Memory.HardwareTables.TryGetValue(ContainerKeys.Window(u.Container ?? "", u.Window), out var unlinked))
                    return $"host {host.Name} has no hardware window {u.Window} of container {u.Container}";
                // Which PEs the guest's translations reach is the host's to say (CheckerLinks, from
                // its stream), as in the fabric: an unlink that leaves the window as it was does not
                // take the guest's PEs away from it.
                table.Table.Unlink(u.Container!, u.Window);
                return null;
            default:
                kind = BadRowKind.NotAnEvent;
                return $"a {e.Event.GetType().Name} is not an event a TCE table journals";
        }
    }

    private static string? CheckCall(Table table, HcallHandled? call)
    {
        if (call?.Call is null || call.Writes is null) return "the call or its writes are missing";
        var g = table.Geometry;
        foreach (var w in call.Writes)
        {
            if (w is null || w is TceRunWritten { Values: null }) return "a write is missing";
            if (w.FirstEntry < g.Offset || w.FirstEntry - g.Offset > g.Size || w.Count > g.Size - (w.FirstEntry - g.Offset))
                return $"it writes entries 0x{w.FirstEntry:x}..+0x{w.Count:x}, outside the table's 0x{g.Offset:x}..+0x{g.Size:x}";
        }
        return null;
    }

    private void ApplyCall(HostState host, TableState table, HcallHandled call)
    {
        table.History.Record(call, table.Table.View);
        table.Table.Apply(call);
        host.Checker.CallApplied(table.Vm, table.Table.Geometry.Liobn, call.CallId, call.Call, call.Writes);
        host.Checker.CallAcknowledged(table.Vm, call.CallId);
        table.Count(call);
        Calls++;
        foreach (var w in call.Writes) TcesWritten += (long)w.Count;
    }

    // ---- pe/<host>/<phb>.<pe>: one PE's owner and DMAs ------------------------------------

    private string? ApplyPe(in JournalEvent e, ref BadRowKind kind)
    {
        var s = e.Stream;
        if (!_hosts.TryGetValue(s.Host, out var host) || !host.Pes.TryGetValue(s.Group, out var pe) || pe.Phb != s.Phb)
            return $"host {s.Host} never added PE {s.Group} on PHB {s.Phb}";
        switch (e.Event)
        {
            case PeOwnerChanged o:
                if (o.Host != s.Host || o.Group != s.Group) return $"it is about PE {o.Group} of host {o.Host}";
                if (o.Vm is not null && !host.Topology.Vms.ContainsKey(o.Vm)) return $"host {s.Host} has no VM {o.Vm}";
                pe.Owner = o.Vm;
                return null;
            case PeEehChanged x:
                if (x.Host != s.Host || x.Group != s.Group || x.State is null) return $"it is about PE {x.Group} of host {x.Host}";
                pe.Eeh = x.State.Name;
                host.Checker.PeEeh(x.Host, x.Group, x.State, x.BySiblings);
                return null;
            case DmaCompleted d:
                if (d.Host != s.Host || d.Group != s.Group) return $"it is a DMA of PE {d.Group} of host {d.Host}";
                pe.Count(d.Outcome);
                Dmas++;
                if (host.Checker.CheckFrozenDma(d.Host, d.Group, d.Ioba, d.Direction, new DmaResult(d.Outcome, d.Hpa)) is { } frozen)
                {
                    host.Checker.Judged();
                    _violations.Add(new ReplayViolation(e.At, frozen));
                    return null;
                }
                if (d.Outcome == DmaOutcome.Ok && d.Views is [var view] &&
                    host.Tables.TryGetValue((view.Vm, view.Liobn), out var table) &&
                    host.Checker.IsLinked(d.Host, d.Group, view.Vm, view.Liobn) && Covers(table, d.Ioba))
                {
                    if (table.History.Position >= Math.Max(view.AckedThrough, view.AppliedThrough)) Judge(host, table, e.At, d, view);
                    else table.Deferred.Add((e.At, d, view));
                    return null;
                }
                var v = host.Checker.CheckDma(d.Host, d.Group, d.Ioba, d.Direction, new DmaResult(d.Outcome, d.Hpa));
                if (v is not null) _violations.Add(new ReplayViolation(e.At, v));
                return null;
            case IoasDmaCompleted d:
                if (d.Host != s.Host || d.Group != s.Group) return $"it is a DMA of PE {d.Group} of host {d.Host}";
                pe.Count(d.Outcome);
                Dmas++;
                if (host.Checker.CheckIoasDma(d.Host, d.Group, d.Iova, d.Direction, new DmaResult(d.Outcome, d.Hpa), d.Ioas, d.Generation) is { } iv)
                    _violations.Add(new ReplayViolation(e.At, iv));
                return null;
            default:
                kind = BadRowKind.NotAnEvent;
                return $"a {e.Event.GetType().Name} is not an event a PE journals";
        }
    }

    // ---- DMAs judged by the calls they raced with (DmaView) ---------------------------------

    private static bool Covers(TableState t, ulong ioba)
    {
        var g = t.Table.Geometry;
        var entry = ioba >> g.PageShift;
        return entry >= g.Offset && entry - g.Offset < g.Size;
    }

    /// <summary>Judges the DMAs that waited for this table to reach the calls they saw.</summary>
    private void JudgeWaiting(HostState host, TableState table)
    {
        if (table.Deferred.Count == 0) return;
        var position = table.History.Position;
        table.Deferred.RemoveAll(w =>
        {
            if (Math.Max(w.View.AckedThrough, w.View.AppliedThrough) > position) return false;
            DmasJudgedLate++;
            Judge(host, table, w.At, w.Dma, w.View);
            return true;
        });
    }

    private void Judge(HostState host, TableState table, JournalPosition at, DmaCompleted d, DmaView view)
    {
        var vm = host.Topology.Vms[table.Vm];
        var shift = table.Table.Geometry.PageShift;
        var entry = d.Ioba >> shift;
        var j = table.History.Judge(entry, view.AckedThrough, view.AppliedThrough, table.Table.View.Get(entry),
            tce => InvariantChecker.Translates(tce, shift, d.Ioba, d.Direction, vm.HostBase, vm.RamBytes) == d.Hpa);
        if (!j.Judged)
            _unjudged.Add((at, j.Why));
        else if (j.Violation is { } kind)
            _violations.Add(new ReplayViolation(at, host.Checker.Report(kind, d.Host, d.Group, d.Ioba, d.Direction, d.Hpa,
                table.Vm, table.Table.Geometry.Liobn, j.Told, j.Previous, j.CallId)));
        else
            host.Checker.Judged();
    }
}

/// <summary>One host as replay rebuilt it: the topology fold, its tables, PEs, hardware windows and invariant checker.</summary>
public sealed class HostState(string name)
{
    public string Name { get; } = name;
    public HostTopology Topology { get; } = new(name);
    public InvariantChecker Checker { get; } = new();

    /// <summary>Every TCE table, by VM and LIOBN.</summary>
    public Dictionary<(string Vm, ulong Liobn), TableState> Tables { get; } = new();

    /// <summary>Tables of windows removed since (RTAS), kept for the DMAs still waiting on their calls.</summary>
    public List<TableState> Retired { get; } = new();

    /// <summary>Host PEs by IOMMU group.</summary>
    public Dictionary<int, PeState> Pes { get; } = new();

    /// <summary>Guest RAM and the containers' hardware windows ("container/window"), folded as the host actor folds them.</summary>
    public HostMemory Memory { get; } = new(name);

    /// <summary>Null when <see cref="HostTopology.Apply"/> can take the event whole; else what it refers to that does not exist.</summary>
    internal string? CheckTopology(Messages.IFabricEvent e)
    {
        var t = Topology;
        string NoVm(string? vm) => $"host {Name} has no VM {vm}";
        string NoPe(int g) => $"host {Name} has no PE {g}";
        switch (e)
        {
            case VmCreated v:
                if (v.Name is null || v.Host != Name) return $"it creates VM {v.Name} on host {v.Host}, in the stream of host {Name}";
                return t.Vms.ContainsKey(v.Name) ? $"VM {v.Name} is created twice" : null;
            case PhbAdded p:
                return p.Vm is not null && t.Vms.ContainsKey(p.Vm) ? null : NoVm(p.Vm);
            case TceTableRemoved r:
                if (r.Vm is null || !t.Vms.TryGetValue(r.Vm, out var rvm)) return NoVm(r.Vm);
                return rvm.Tables.ContainsKey(r.Liobn) ? null : $"VM {r.Vm} has no table for LIOBN 0x{r.Liobn:x} to remove";
            case TceTableCreated c:
                if (c.Vm is null || !t.Vms.TryGetValue(c.Vm, out var vm)) return NoVm(c.Vm);
                if (vm.Tables.TryGetValue(c.Liobn, out var old) && (old.PageShift != c.PageShift || old.Offset != c.Offset || old.Size != c.Size))
                    return $"LIOBN 0x{c.Liobn:x} of VM {c.Vm} already has another geometry";
                return c.PageShift is < 12 or > 34 || c.Size == 0 ? $"the table geometry page_shift={c.PageShift} size=0x{c.Size:x} is impossible" : null;
            case GuestRamWritten w:
                if (w.Words is null) return "the RAM write holds no words";
                return w.Vm is not null && t.Vms.ContainsKey(w.Vm) ? null : NoVm(w.Vm);
            case HostPeAdded p:
                return t.Pes.ContainsKey(p.Group) ? $"PE {p.Group} is added twice" : null;
            case ContainerCreated c:
                if (c.Id is null || c.Groups is null || c.Windows is null || c.Windows.Any(w => w is null)) return "the container has no id, groups or windows";
                if (t.Containers.ContainsKey(c.Id)) return $"container {c.Id} is created twice";
                foreach (var g in c.Groups)
                    if (!t.Pes.ContainsKey(g)) return NoPe(g);
                return null;
            case GroupBound b:
                if (b.Vm is null || !t.Vms.TryGetValue(b.Vm, out var bvm)) return NoVm(b.Vm);
                if (!bvm.Tables.ContainsKey(b.Liobn)) return $"VM {b.Vm} has no table for LIOBN 0x{b.Liobn:x}";
                if (!t.Pes.TryGetValue(b.Group, out var pe)) return NoPe(b.Group);
                return pe.Container is not null && t.Containers.ContainsKey(pe.Container) ? null : $"PE {b.Group} is in no container";
            case PeOwnerChanged o:
                if (!t.Pes.ContainsKey(o.Group)) return NoPe(o.Group);
                return o.Vm is null || t.Vms.ContainsKey(o.Vm) ? null : NoVm(o.Vm);
            case IoasAttached a when !t.Pes.ContainsKey(a.Group):
                return NoPe(a.Group);
            case IIommufdEvent i:
                return t.Iommufd.Inconsistency(i);
            default:
                return null;
        }
    }
}

/// <summary>One TCE table as replay rebuilt it, and the calls it answered by kind and return code.</summary>
public sealed class TableState(string vm, Table table)
{
    private readonly Dictionary<(ulong Opcode, HcallReturn Ret), long> _calls = new();

    public string Vm { get; } = vm;
    public Table Table { get; } = table;
    internal HostState? Host { get; set; }

    /// <summary>The calls' recent changes, by position, to judge DMAs by.</summary>
    internal TableHistory History { get; } = new();

    /// <summary>DMAs whose record names calls of this table not replayed yet.</summary>
    internal List<(JournalPosition At, DmaCompleted Dma, DmaView View)> Deferred { get; } = new();

    /// <summary>Calls answered, by hcall number and return code.</summary>
    public IReadOnlyDictionary<(ulong Opcode, HcallReturn Ret), long> Calls => _calls;

    internal void Count(HcallHandled call)
    {
        var key = (call.Call.Opcode, call.Ret);
        _calls[key] = _calls.GetValueOrDefault(key) + 1;
    }
}

/// <summary>One host PE as replay rebuilt it: its owner, its EEH state and its DMAs by outcome.</summary>
public sealed class PeState(string host, int phb, int group)
{
    public string Host { get; } = host;
    public int Phb { get; } = phb;
    public int Group { get; } = group;

    /// <summary>The VM that owns the PE (from its own stream); null while the host owns it.</summary>
    public string? Owner { get; internal set; }

    /// <summary>The EEH state from the PE's own stream (normal until its first PeEehChanged).</summary>
    public string Eeh { get; internal set; } = "normal";

    public long DmaOk { get; private set; }
    public long DmaFault { get; private set; }
    public long DmaFrozen { get; private set; }

    internal void Count(DmaOutcome outcome)
    {
        switch (outcome)
        {
            case DmaOutcome.Ok: DmaOk++; break;
            case DmaOutcome.Frozen: DmaFrozen++; break;
            default: DmaFault++; break;
        }
    }
}
