using Fabric.Messages;

namespace Fabric.Invariants;

/// <summary>
/// Checks isolation and coherence from the outside: it trusts nothing of the kill path or the
/// caches, only what the guest was told (acknowledged calls) and what calls are still in
/// flight. A DMA may use a translation the guest has acknowledged, or one a call still in
/// flight is installing or removing; anything else is a violation.
/// </summary>
public sealed class InvariantChecker
{
    private const int RecentCalls = 1 << 16;
    private readonly Dictionary<string, (ulong HostBase, ulong Ram)> _vms = new();
    private readonly Dictionary<(string Vm, ulong Liobn), GuestViewMirror> _tables = new();
    private readonly Dictionary<(string Host, int Group), List<(string Vm, ulong Liobn)>> _links = new();
    // Keyed by VM and call: call ids are unique per VM only, and a host's VMs number theirs alike.
    private readonly Dictionary<(string Vm, long CallId), InFlightCall> _inFlight = new();

    // The order the tables applied their calls in, per table, for the calls still in flight: an
    // acknowledgement can overtake an earlier call's (its kills were quicker), and the earlier
    // call's acknowledgement must then not undo what the later one wrote.
    private readonly Dictionary<(string Vm, ulong Liobn), SortedSet<long>> _inFlightOrder = new();
    private long _applied;

    /// <summary>A call applied and not yet acknowledged; <see cref="Overwritten"/>: entries a later call, acknowledged first, wrote.</summary>
    private sealed class InFlightCall(string vm, ulong liobn, IHypercall call, TceWrite[] writes, long order)
    {
        public string Vm { get; } = vm;
        public ulong Liobn { get; } = liobn;
        public IHypercall Call { get; } = call;
        public TceWrite[] Writes { get; } = writes;
        public long Order { get; } = order;
        public HashSet<ulong>? Overwritten { get; set; }
    }
    // The last calls acknowledged, to name the one a violation disobeyed: a ring indexed by
    // call id, so remembering costs no allocation on the hot path.
    private readonly long[] _recentIds = new long[RecentCalls];
    private readonly IHypercall?[] _recentCalls = new IHypercall?[RecentCalls];
    private readonly List<InvariantViolation> _violations = new();
    private readonly Dictionary<(string Host, int ParentGroup), List<(int Pasid, ulong Hpa, ulong Size)>> _pasidMemory = new();
    private readonly GuestPeInvariant _eeh = new();
    private readonly IoasMirror _ioases = new();

    public IReadOnlyList<InvariantViolation> Violations => _violations;
    public long DmasChecked { get; private set; }
    public long CallsAcknowledged { get; private set; }

    public void AddVm(string vm, ulong hostBase, ulong ram) => _vms[vm] = (hostBase, ram);

    public void AddTable(string vm, ulong liobn, int pageShift, ulong offset, ulong size) =>
        _tables[(vm, liobn)] = new GuestViewMirror(vm, liobn, pageShift, offset, size);

    /// <summary>The window is gone: a DMA may use none of what it held (a later table of the LIOBN starts empty).</summary>
    public void RemoveTable(string vm, ulong liobn) => _tables.Remove((vm, liobn));

    public void LinkGroup(string host, int group, string vm, ulong liobn)
    {
        if (!_links.TryGetValue((host, group), out var list)) _links[(host, group)] = list = new();
        if (!list.Contains((vm, liobn))) list.Add((vm, liobn));
    }

    public void UnlinkGroup(string host, int group, string vm, ulong liobn)
    {
        if (_links.TryGetValue((host, group), out var list)) list.Remove((vm, liobn));
    }

    /// <summary>The table changed its view for this call; the guest has not been told yet.</summary>
    public void CallApplied(string vm, ulong liobn, long callId, IHypercall call, TceWrite[] writes)
    {
        if (writes.Length == 0) return;
        var order = ++_applied;
        _inFlight[(vm, callId)] = new InFlightCall(vm, liobn, call, writes, order);
        if (!_inFlightOrder.TryGetValue((vm, liobn), out var orders)) _inFlightOrder[(vm, liobn)] = orders = new();
        orders.Add(order);
    }

    /// <summary>The guest was told: from now on only the new values may translate.</summary>
    public void CallAcknowledged(string vm, long callId)
    {
        CallsAcknowledged++;
        if (!_inFlight.Remove((vm, callId), out var f)) return;
        var orders = _inFlightOrder[(f.Vm, f.Liobn)];
        // Calls applied earlier and still in flight will not undo these entries when they are acknowledged.
        if (orders.Min != f.Order) MarkOverwritten(f);
        orders.Remove(f.Order);
        if (!_tables.TryGetValue((f.Vm, f.Liobn), out var mirror)) return;
        if (f.Overwritten is null)
        {
            foreach (var w in f.Writes) mirror.Acknowledge(callId, w);
        }
        else
        {
            foreach (var w in f.Writes)
                for (ulong k = 0; k < w.Count; k++)
                    if (!f.Overwritten.Contains(w.FirstEntry + k))
                        mirror.Acknowledge(callId, new TceRunWritten(w.FirstEntry + k, [w.ValueAt(k)]));
        }
        Remember(callId, f.Call);
    }

    private void MarkOverwritten(InFlightCall later)
    {
        foreach (var earlier in _inFlight.Values)
        {
            if (earlier.Order > later.Order || earlier.Vm != later.Vm || earlier.Liobn != later.Liobn) continue;
            foreach (var a in earlier.Writes)
                foreach (var b in later.Writes)
                {
                    var first = Math.Max(a.FirstEntry, b.FirstEntry);
                    var end = Math.Min(a.FirstEntry + a.Count, b.FirstEntry + b.Count);
                    for (var e = first; e < end; e++) (earlier.Overwritten ??= []).Add(e);
                }
        }
    }

    /// <summary>A recovered table's view: acknowledged by calls the checker never saw.</summary>
    public void ViewRestored(string vm, ulong liobn, TceWrite[] runs)
    {
        if (!_tables.TryGetValue((vm, liobn), out var mirror)) return;
        foreach (var run in runs) mirror.Acknowledge(0, run);
    }

    /// <summary>The call was answered with an error after all: only the old values may translate.</summary>
    public void CallAbandoned(string vm, long callId)
    {
        CallsAcknowledged++;
        if (_inFlight.Remove((vm, callId), out var f)) _inFlightOrder[(f.Vm, f.Liobn)].Remove(f.Order);
    }

    public InvariantViolation? CheckDma(string host, int group, ulong ioba, DmaDirection dir, DmaResult result)
    {
        DmasChecked++;
        if (result.Outcome != DmaOutcome.Ok) return null;
        if (CheckFrozenDma(host, group, ioba, dir, result) is { } frozen) return frozen;
        var hpa = result.Hpa;
        if (!_links.TryGetValue((host, group), out var links) || links.Count == 0)
            return Report(InvariantKind.Isolation, host, group, ioba, dir, hpa, "the PE is not assigned to any guest", 0);

        foreach (var (vm, liobn) in links)
        {
            if (!_tables.TryGetValue((vm, liobn), out var mirror) || !mirror.Covers(ioba)) continue;
            var (hostBase, ram) = _vms[vm];
            var entry = ioba >> mirror.PageShift;
            if (Translates(mirror.Acknowledged(entry), mirror.PageShift, ioba, dir, hostBase, ram) == hpa) return null;
            foreach (var (_, f) in _inFlight)
                if (f.Vm == vm && f.Liobn == liobn && InFlightValueTranslates(f.Writes, entry, mirror.PageShift, ioba, dir, hostBase, ram, hpa))
                    return null;
            var (previous, changedBy) = mirror.LastChange(entry);
            if (changedBy != 0 && Translates(previous, mirror.PageShift, ioba, dir, hostBase, ram) == hpa)
                return Report(InvariantKind.Coherence, host, group, ioba, dir, hpa, StaleDetail(liobn, entry, previous, mirror.Acknowledged(entry)), changedBy);
            return Report(InvariantKind.Isolation, host, group, ioba, dir, hpa, UnmappedDetail(vm, liobn, entry, dir, hpa, hostBase, ram), changedBy);
        }
        return Report(InvariantKind.Isolation, host, group, ioba, dir, hpa, "no window of the PE's guest covers this bus address", 0);
    }

    public void GuestPeDefined(string host, string vm, int id, int[] groups) => _eeh.GuestPe(host, vm, id, groups);

    public void PeEeh(string host, int group, HostPeEeh state, bool bySiblings) => _eeh.PeEeh(host, group, state, bySiblings);

    /// <summary>The guest PE settled (<see cref="GuestPeInvariant"/>): a violation if its host PEs are apart.</summary>
    public InvariantViolation? GuestPeSettled(string host, string vm, int id, string after) =>
        _eeh.Settled(host, vm, id, after) is { } apart ? Report(InvariantKind.EehApart, host, 0, 0, DmaDirection.Read, 0, apart, 0) : null;

    /// <summary>A DMA that completed on a PE whose guest PE is frozen (not counted: the caller judges the DMA).</summary>
    public InvariantViolation? CheckFrozenDma(string host, int group, ulong ioba, DmaDirection dir, DmaResult result) =>
        result.Outcome == DmaOutcome.Ok && _eeh.DmaCompleted(host, group) is { } frozen
            ? Report(InvariantKind.EehFrozenDma, host, group, ioba, dir, result.Hpa, frozen, 0)
            : null;

    /// <summary>Whether the PE of the group is linked to the table: a DMA through it is the guest's.</summary>
    public bool IsLinked(string host, int group, string vm, ulong liobn) =>
        _links.TryGetValue((host, group), out var links) && links.Contains((vm, liobn));

    /// <summary>
    /// Records a violation found by another judge (replay judges a DMA by the calls it raced
    /// with, from its own record), in this checker's words, naming the call when it is recent.
    /// </summary>
    public InvariantViolation Report(InvariantKind kind, string host, int group, ulong ioba, DmaDirection dir, ulong hpa,
        string vm, ulong liobn, ulong told, ulong previous, long callId)
    {
        DmasChecked++;
        var (hostBase, ram) = _vms[vm];
        var entry = ioba >> _tables[(vm, liobn)].PageShift;
        return Report(kind, host, group, ioba, dir, hpa,
            kind == InvariantKind.Coherence ? StaleDetail(liobn, entry, previous, told) : UnmappedDetail(vm, liobn, entry, dir, hpa, hostBase, ram),
            callId);
    }

    /// <summary>A DMA judged legal elsewhere (see the other <see cref="Report(InvariantKind, string, int, ulong, DmaDirection, ulong, string, ulong, ulong, ulong, long)"/>).</summary>
    public void Judged() => DmasChecked++;

    private static string StaleDetail(ulong liobn, ulong entry, ulong previous, ulong acknowledged) =>
        $"LIOBN 0x{liobn:x} entry 0x{entry:x} was changed from 0x{previous:x} to 0x{acknowledged:x} and acknowledged before this DMA: a stale translation";

    private static string UnmappedDetail(string vm, ulong liobn, ulong entry, DmaDirection dir, ulong hpa, ulong hostBase, ulong ram) =>
        hpa >= hostBase && hpa - hostBase < ram
            ? $"guest {vm} has not mapped this page at LIOBN 0x{liobn:x} entry 0x{entry:x} for {dir.ToString().ToLowerInvariant()}"
            : $"the address is outside guest {vm}'s memory";
    /// <summary>A PASID of a shared domain may now reach host physical [hpa, hpa+size).</summary>
    public void PasidMapped(string host, int parentGroup, int pasid, ulong hpa, ulong size)
    {
        if (!_pasidMemory.TryGetValue((host, parentGroup), out var list)) _pasidMemory[(host, parentGroup)] = list = new();
        list.Add((pasid, hpa, size));
    }

    /// <summary>
    /// Isolation between the PASIDs of a shared domain (seed 001): a DMA tagged with one PASID may
    /// reach only memory mapped for that PASID, never memory mapped only for another.
    /// </summary>
    public InvariantViolation? CheckPasidDma(string host, int parentGroup, int pasid, ulong iova, DmaDirection dir, DmaResult result)
    {
        DmasChecked++;
        if (result.Outcome != DmaOutcome.Ok) return null;
        var mapped = _pasidMemory.GetValueOrDefault((host, parentGroup)) ?? [];
        bool Reaches((int Pasid, ulong Hpa, ulong Size) m) => result.Hpa >= m.Hpa && result.Hpa - m.Hpa < m.Size;
        if (mapped.Any(m => m.Pasid == pasid && Reaches(m))) return null;
        var others = mapped.Where(Reaches).Select(m => m.Pasid).Distinct().ToArray();
        return Report(InvariantKind.Isolation, host, parentGroup, iova, dir, result.Hpa,
            others.Length > 0
                ? $"a DMA tagged with PASID {pasid} reached memory mapped only for PASID {string.Join(", ", others)}"
                : $"a DMA tagged with PASID {pasid} reached memory no PASID of the shared domain maps", 0);
    }

    /// <summary>An IOAS changed (the host applied one iommufd event).</summary>
    public void IoasChanged(string host, IIommufdEvent change) => _ioases.Apply(host, change);

    /// <summary>Isolation through an IOAS: a DMA reaches only what the IOAS mapped, as its domain was filled.</summary>
    public InvariantViolation? CheckIoasDma(string host, int group, ulong iova, DmaDirection dir, DmaResult result, uint ioas, long generation)
    {
        DmasChecked++;
        if (result.Outcome != DmaOutcome.Ok) return null;
        return _ioases.Wrong(host, group, ioas, generation, iova, dir, result.Hpa) is { } why
            ? Report(InvariantKind.Isolation, host, group, iova, dir, result.Hpa, why, 0)
            : null;
    }

    /// <summary>The host physical address a guest TCE lets this DMA reach, or ulong.MaxValue if none.</summary>
    public static ulong Translates(ulong tce, int pageShift, ulong ioba, DmaDirection dir, ulong hostBase, ulong ram)
    {
        // PowerNV sets READ whenever WRITE is set, so a write-only TCE also lets the device read.
        var permitted = dir == DmaDirection.Write ? Tce.AllowsWrite(tce) : !Tce.IsClear(tce);
        if (!permitted) return ulong.MaxValue;
        var mask = (1UL << pageShift) - 1;
        var gpa = (tce & ~mask & ~Tce.Permissions) | (ioba & mask);
        return gpa < ram ? hostBase + gpa : ulong.MaxValue;
    }

    private static bool InFlightValueTranslates(TceWrite[] writes, ulong entry, int pageShift, ulong ioba, DmaDirection dir, ulong hostBase, ulong ram, ulong hpa)
    {
        foreach (var w in writes)
            if (entry >= w.FirstEntry && entry - w.FirstEntry < w.Count &&
                Translates(w.ValueAt(entry - w.FirstEntry), pageShift, ioba, dir, hostBase, ram) == hpa)
                return true;
        return false;
    }

    private InvariantViolation Report(InvariantKind kind, string host, int group, ulong ioba, DmaDirection dir, ulong hpa, string detail, long callId)
    {
        var v = new InvariantViolation(kind, host, group, ioba, dir, hpa, detail, callId,
            callId != 0 && _recentIds[Slot(callId)] == callId ? _recentCalls[Slot(callId)] : null);
        _violations.Add(v);
        return v;
    }

    private void Remember(long callId, IHypercall call)
    {
        _recentIds[Slot(callId)] = callId;
        _recentCalls[Slot(callId)] = call;
    }

    private static int Slot(long callId) => (int)((ulong)callId * 0x9E3779B97F4A7C15UL >> 48);
}
