using Fabric.Messages;

namespace Fabric.Host;

/// <summary>
/// Which PEs a host event links to or unlinks from a LIOBN, as the invariant checker must see it
/// (the guest whose translations a PE's DMA may use), from the topology after the event. The host
/// actor tells the checker these; replay applies them to its own checker, so both judge DMAs by
/// the same links.
/// </summary>
public static class CheckerLinks
{
    public static IEnumerable<GroupLinkObserved> Of(HostTopology topology, IFabricEvent e)
    {
        switch (e)
        {
            case GroupBound b:
                // Every group of the container uses the table the group brought (it_group_list).
                return Groups(topology, b.Container, b.Vm, b.Liobn, linked: true);
            case ContainerBound b:
                return Groups(topology, b.Container, b.Vm, b.Liobn, linked: true);
            case LiobnUnlinked { ClearHardware: true } u:
                // A cleared window translates nothing for the LIOBN any more. An unlink that leaves
                // the window as it was (a group left the KVM-VFIO device) changes nothing the guest
                // was told: its PEs still use the window, and a stale translation there is a violation.
                return Groups(topology, u.Container, u.Vm, u.Liobn, linked: false);
            case VfioGroupAttached a when topology.Containers.TryGetValue(a.Container, out var joined):
                // A group joining a container uses its tables at once, and the guest mappings of every LIOBN they mirror.
                return joined.Bindings.Select(b => new GroupLinkObserved(topology.Name, a.Group, b.Vm, b.Liobn, Linked: true)).ToArray();
            case VfioGroupDetached d when topology.Containers.TryGetValue(d.Container, out var left):
                return left.Bindings.Select(b => new GroupLinkObserved(topology.Name, d.Group, b.Vm, b.Liobn, Linked: false)).ToArray();
            default:
                return [];
        }
    }

    private static GroupLinkObserved[] Groups(HostTopology topology, string container, string vm, ulong liobn, bool linked) =>
        topology.Containers.TryGetValue(container, out var c)
            ? c.Groups.Select(g => new GroupLinkObserved(topology.Name, g, vm, liobn, linked)).ToArray()
            : [];
}
