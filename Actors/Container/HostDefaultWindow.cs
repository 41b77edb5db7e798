using Fabric.Messages;

namespace Fabric.Container;

/// <summary>
/// The table a group gets back when it leaves its container: the host kernel's own default DMA
/// window (pnv_ioda2_release_ownership -> pnv_pci_ioda2_setup_default_config), 1 GiB of 4K
/// TCEs at bus 0, linked to that one group. It holds none of the guest's mappings, and the
/// host driver's own mappings are not modelled, so every DMA through it faults; kills of the
/// container's tables no longer reach the group (seed 000: "When the group is removed from the
/// container, it will get its own TCE table instead of the previously shared one").
/// </summary>
public static class HostDefaultWindow
{
    public static readonly HardwareWindow Window = new(0, 12, 0, (1UL << 30) >> 12);

    /// <summary>A fresh table for the group; its key ("host-default/N") names no container window.</summary>
    public static HardwareTceTable For(int group)
    {
        var table = new HardwareTceTable($"host-default/{group}", Window);
        table.AddGroup(group);
        return table;
    }
}
