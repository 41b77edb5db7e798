using Fabric.Host;
using Fabric.Messages;

namespace Fabric.Eeh;

/// <summary>
/// How the guest names a guest PE in its EEH RTAS calls, as QEMU's hw/ppc/spapr_pci.c handlers
/// do: the PHB by its BUID (spapr_pci_find_phb; none at the BUID is RTAS_OUT_PARAM_ERROR), then
/// the PHB's one PE (QEMU's VFIO container of the PHB; a Fabric guest PE is given a PHB index by
/// `guest-pe phb=`, its id by default). The config address names a device only where QEMU looks
/// it up, and there a device that is not there is RTAS_OUT_PARAM_ERROR: ibm,set-eeh-option 1
/// (spapr_phb_vfio_eeh_set_option, hw/ppc/spapr_pci_vfio.c: pci_find_device on bus addr &gt;&gt; 16
/// and devfn addr &gt;&gt; 8) and ibm,get-config-addr-info2 0 (spapr_pci_find_dev). The other calls
/// act on the PHB's PE whatever device the address names. A guest PE's devices are on its bus,
/// one per host PE at slot 0, 1, ... function 0, so its PE address "00BB0001" (devfn 0), which
/// Linux passes once it has it, names the first.
/// </summary>
public static class GuestPeAddress
{
    /// <summary>The BUID of the VM's PHB with this index (QEMU's SPAPR_PCI_BASE_BUID + index).</summary>
    public static ulong Buid(int phb) => AddPhb.BuidBase + (ulong)(uint)phb;

    /// <summary>The call with its guest PE's id (and, for get-config-addr-info2, its device's bus), or why QEMU answers -3.</summary>
    public static (GuestPeRtasCall? Call, string Why) Resolve(HostTopology topology, GuestPeRtasCall c)
    {
        if (c.Buid is not { } buid) return (c, "");
        var found = topology.GuestPeAddresses.Where(a => a.Key.Vm == c.Vm && Buid(a.Value.Phb) == buid).Select(a => (a.Key.Id, a.Value.Bus)).ToArray();
        if (found.Length == 0) return (null, $"VM {c.Vm} has no PHB with a guest PE at BUID 0x{buid:x} (guest-pe phb=N is at 0x{AddPhb.BuidBase:x} + N)");
        var (id, bus) = found[0];
        var devices = topology.GuestPes[(c.Vm, id)].Length;
        var (addrBus, devfn) = ((c.ConfigAddr >> 16) & 0xff, (c.ConfigAddr >> 8) & 0xff);
        var looksUpDevice = (c.Call, c.Option) is (EehRtasCall.SetEehOption, 1) or (EehRtasCall.GetConfigAddrInfo2, GuestPeRtas.GetPeAddress);
        if (looksUpDevice && (addrBus != bus || devfn % 8 != 0 || devfn / 8 >= devices))
            return (null, $"no device of guest PE {c.Vm}/{id} at config address 0x{c.ConfigAddr:x} (bus {addrBus}, devfn 0x{devfn:x2}); its {devices} devices are on bus {bus} at devfn 0x00..0x{(devices - 1) * 8:x2}, one per slot");
        return (c with { Id = id, Bus = addrBus }, "");
    }
}
