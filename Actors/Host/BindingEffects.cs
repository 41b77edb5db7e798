using Akka.Actor;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vm;

namespace Fabric.Host;

/// <summary>
/// What a binding event asks of a host's actors: a link or unlink for the LIOBN's table, and
/// what the invariant checker is told. On recovery the tables have their own journals, so only
/// the checker hears again.
/// </summary>
public static class BindingEffects
{
    /// <summary>
    /// The table answers the command whose last event this is, once its hardware is in place
    /// (a link mirrored, a clearing unlink killed); the host answers every other command.
    /// </summary>
    public static bool TableAnswers(IFabricEvent last) =>
        last is GroupBound or ContainerBound or LiobnUnlinked { ClearHardware: true };

    public static void CarryOut(IBindingEvent e, HostTopology topology, IReadOnlyDictionary<string, IActorRef> vms, IActorRef checker, IActorRef replyTo, bool recovering)
    {
        switch (e)
        {
            case ContainerBound b:
                if (!recovering) vms[b.Vm].Tell(new LinkLiobn(b.Liobn, new LinkHardwareTable(b.Container, b.Window, -1)), replyTo);
                Observe(topology, checker, b.Container, b.Vm, b.Liobn, linked: true);
                break;
            case LiobnUnlinked u:
                if (!recovering)
                    vms[u.Vm].Tell(new UnlinkLiobn(u.Liobn, new UnlinkHardwareTable(u.Container, u.Window, u.ClearHardware)),
                        u.ClearHardware ? replyTo : ActorRefs.Nobody);
                // A cleared window translates nothing for the LIOBN any more. An unlink that leaves
                // the window as it was (a group left the KVM-VFIO device) changes nothing the guest
                // was told: its PEs still use the window, and a stale translation there is a violation.
                if (u.ClearHardware) Observe(topology, checker, u.Container, u.Vm, u.Liobn, linked: false);
                break;
        }
    }

    private static void Observe(HostTopology topology, IActorRef checker, string container, string vm, ulong liobn, bool linked)
    {
        if (!topology.Containers.TryGetValue(container, out var c)) return;
        foreach (var g in c.Groups) checker.Tell(new GroupLinkObserved(topology.Name, g, vm, liobn, linked));
    }
}
