namespace Fabric.Messages;

/// <summary>
/// The host answered one of a VMM's ioctls (VFIO, KVM) or a `bind`: the command, the answer, and
/// how many events follow this one in the host's stream as its effect. Journaled whatever the
/// answer, so a journal holds every ioctl a run made and what it got, as a bug report needs;
/// the state is in the events after it (recovery and replay pass over this one), and the trace
/// export writes the command back as the statement that made it.
/// </summary>
/// <param name="Reply">The <see cref="SetupResult"/>, or what a query answered (<see cref="PciHotResetInfo"/>).</param>
public sealed record HostCommandAnswered(string Host, IHostCommand Command, IFabricMessage Reply, int Events) : ITopologyEvent
{
    /// <summary>
    /// The commands the host journals this way: the ioctls, the guest's DDW and EEH RTAS calls and injected faults; `bind`, whose effect depends on the
    /// VM's design; and `vm`, whose design may be the VM's own choice or the fabric's default,
    /// which its events alone do not tell apart.
    /// </summary>
    public static bool Records(IHostCommand command) => command is IVfioCommand or IIommufdCommand or IKvmBindingCommand or BindGroupToLiobn or CreateVm or EehInject or GetGuestPeReport or GuestPeRtasCall or IDdwRtasCall;
}
