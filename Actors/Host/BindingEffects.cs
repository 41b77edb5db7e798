using Akka.Actor;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vm;

namespace Fabric.Host;

/// <summary>
/// What a binding event asks of a host's actors: a link or unlink for the LIOBN's table (the
/// invariant checker hears of the links through <see cref="CheckerLinks"/>). On recovery the
/// tables have their own journals.
/// </summary>
public static class BindingEffects
{
    /// <summary>
    /// The table answers a command with such an event, once its hardware is in place (a link
    /// mirrored, a clearing unlink killed); the host answers every other command.
    /// </summary>
    public static bool TableAnswers(IFabricEvent last) =>
        last is GroupBound or ContainerBound or LiobnUnlinked { ClearHardware: true };

    public static void CarryOut(IBindingEvent e, IReadOnlyDictionary<string, IActorRef> vms, IActorRef replyTo, bool recovering)
    {
        switch (e)
        {
            case ContainerBound b:
                if (!recovering) vms[b.Vm].Tell(new LinkLiobn(b.Liobn, new LinkHardwareTable(b.Container, b.Window, -1)), replyTo);
                break;
            case LiobnUnlinked u:
                if (!recovering)
                    vms[u.Vm].Tell(new UnlinkLiobn(u.Liobn, new UnlinkHardwareTable(u.Container, u.Window, u.ClearHardware)),
                        u.ClearHardware ? replyTo : ActorRefs.Nobody);
                break;
        }
    }
}
