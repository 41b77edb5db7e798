using Akka.Actor;
using Fabric.HostPe;
using Fabric.Iommufd;
using Fabric.Messages;

namespace Fabric.Host;

/// <summary>
/// What an iommufd event asks of the actors, once the topology has applied it: the checker learns
/// the change first, then every PE whose domain it touched gets the IOAS's new domain (the fill
/// or unfill of iopt_area_fill_domains), all before the host answers the ioctl, so no DMA issued
/// after the answer uses the old translations.
/// </summary>
public static class IommufdEffects
{
    public static void CarryOut(HostTopology topology, IIommufdEvent e, IActorRef checker, IReadOnlyDictionary<int, IActorRef> pes)
    {
        checker.Tell(new IoasChangeObserved(topology.Name, e));
        switch (e)
        {
            case IoasMapped or IoasUnmapped or IoasWindowRemoved:
                var ioas = e switch { IoasMapped m => m.Ioas, IoasUnmapped u => u.Ioas, _ => ((IoasWindowRemoved)e).Ioas };
                foreach (var g in topology.Iommufd.DevicesOf(ioas)) Fill(topology, g, pes);
                break;
            case IoasAttached a: Fill(topology, a.Group, pes); break;
            case IoasReplaced r: Fill(topology, r.Group, pes); break;
            case IoasDetached d when pes.TryGetValue(d.Group, out var pe): pe.Tell(new UseIoasDomain(null)); break;
        }
    }

    /// <summary>The PE's domain as its IOAS is now (none when it is attached to no IOAS).</summary>
    public static void Fill(HostTopology topology, int group, IReadOnlyDictionary<int, IActorRef> pes)
    {
        if (!pes.TryGetValue(group, out var pe)) return;
        var ioas = topology.Iommufd.IoasOf(group) is { } id ? topology.Iommufd.Find(id) : null;
        pe.Tell(new UseIoasDomain(ioas is null ? null : IoasDomainView.Of(ioas)));
    }
}
