using Akka.Actor;
using Fabric.Iommufd;
using Fabric.Container;

namespace Fabric.HostPe;

/// <summary>
/// What its host gave a host PE and a crash must not take away: its guest PE, the hardware
/// windows its group uses and its IOAS domain. Kept in the PE's Props, which its host holds, as a
/// router's routes are kept in LiobnRoutes: an actor restarted after an exception still
/// translates through its windows, and is still a member of its guest PE (its reports reach the
/// guest PE, and it tells the guest PE it is back). Only the PE actor reads and writes it.
/// </summary>
public sealed class HostPeLinks
{
    public IActorRef? GuestPe { get; set; }

    public HardwareTceTable[] Windows { get; set; } = [];

    public IoasDomainView? IoasDomain { get; set; }
}
