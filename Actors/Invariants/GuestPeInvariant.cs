using Fabric.Messages;

namespace Fabric.Invariants;

/// <summary>
/// EEH across a guest PE, judged from the host PEs' own states: once the guest PE has settled (a
/// freeze has reached every host PE, a recovery step is over) its host PEs are in one state, and
/// no DMA completes on a host PE while its guest PE is frozen. A guest PE is busy — its host PEs
/// may differ for a moment — from a host PE's freeze, or a change its guest PE asked for, until
/// it settles; a freeze that has reached every host PE settles it too (replay has no other
/// record of a spread's end). Changes made behind the guest PE's back (the kernel's container op
/// stopping at a failed group) leave it settled, so the DMAs they let through are caught.
/// A host PE that a fault froze while a step was ending may reach this checker before its guest
/// PE hears of it: at that settle the guest PE is excused for it (the freeze is spreading, and
/// the spread settles it again), provided its other host PEs agree. So is it at the next settle:
/// the host PE tells this checker, then its guest PE, and between the two the guest PE can end
/// the step and start the next one (seen under load on 2 cores). Not at a third: that next step
/// cannot end before the host PE answers it, and its answer follows its report.
/// </summary>
public sealed class GuestPeInvariant
{
    private sealed class Watch(string vm, int id, int[] groups)
    {
        public string Vm { get; } = vm;
        public int Id { get; } = id;
        public int[] Groups { get; } = groups;
        public bool Busy { get; set; }

        /// <summary>Host PEs frozen by a fault (not by their guest PE), and at how many more settles each is excused.</summary>
        public Dictionary<int, int> FaultFrozen { get; } = new();
    }

    private const int ExcusedSettles = 2;

    private readonly Dictionary<(string Host, string Vm, int Id), Watch> _guestPes = new();
    private readonly Dictionary<(string Host, int Group), Watch> _byGroup = new();
    private readonly Dictionary<(string Host, int Group), HostPeEeh> _states = new();

    public void GuestPe(string host, string vm, int id, int[] groups)
    {
        var w = new Watch(vm, id, groups);
        _guestPes[(host, vm, id)] = w;
        foreach (var g in groups) _byGroup[(host, g)] = w;
    }

    private HostPeEeh State(string host, int group) => _states.GetValueOrDefault((host, group)) ?? HostPeEeh.Normal;

    public void PeEeh(string host, int group, HostPeEeh state, bool bySiblings)
    {
        var before = State(host, group);
        _states[(host, group)] = state;
        if (!_byGroup.TryGetValue((host, group), out var w)) return;
        var froze = state.IsFrozen && state.FrozeSince(before);
        if (froze || bySiblings) w.Busy = true;
        if (froze && !bySiblings) w.FaultFrozen[group] = ExcusedSettles;
        var all = w.Groups.Select(g => State(host, g)).ToArray();
        if (froze && all.All(s => s.IsFrozen) && all.Select(s => s.Name).Distinct().Count() == 1) w.Busy = false;
    }

    /// <summary>The guest PE settled: the detail of a violation when its host PEs are apart, else null.</summary>
    public string? Settled(string host, string vm, int id, string after)
    {
        if (!_guestPes.TryGetValue((host, vm, id), out var w)) return null;
        var names = w.Groups.Select(g => (g, State(host, g).Name)).ToArray();
        var apart = names.Select(n => n.Name).Distinct().Count() > 1;
        var spreading = apart && w.FaultFrozen.Count > 0 && names.Where(n => !w.FaultFrozen.ContainsKey(n.g)).Select(n => n.Name).Distinct().Count() <= 1;
        foreach (var g in w.FaultFrozen.Keys.ToArray())
            if (!apart || --w.FaultFrozen[g] == 0) w.FaultFrozen.Remove(g);
        w.Busy = spreading;
        return !apart || spreading
            ? null
            : $"the host PEs of guest PE {vm}/{id} are in different states after {after}: {string.Join(", ", names.Select(n => $"{n.g} {n.Name}"))}";
    }

    /// <summary>A DMA completed on the PE: the detail of a violation when its settled guest PE is frozen, else null.</summary>
    public string? DmaCompleted(string host, int group)
    {
        if (!_byGroup.TryGetValue((host, group), out var w) || w.Busy) return null;
        var stopped = w.Groups.Where(g => !State(host, g).DmaAllowed).ToArray();
        return stopped.Length == 0
            ? null
            : $"its guest PE {w.Vm}/{w.Id} is frozen (host PE {string.Join(", ", stopped.Select(g => $"{g} {State(host, g).Name}"))})";
    }
}
