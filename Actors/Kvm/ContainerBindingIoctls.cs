using Fabric.Host;
using Fabric.Messages;
using Fabric.Vfio;
using static Fabric.Kvm.LiobnBindings;

namespace Fabric.Kvm;

/// <summary>
/// The container design of seed 000: KVM_SPAPR_TCE_BIND_VFIO (a VM ioctl taking a LIOBN and a
/// VFIO container fd) and its unbind. Upstream never merged it, so the order of checks is
/// Fabric's, in the order a VM ioctl would meet them: the ioctl itself, the fd, the container's
/// tables (the "new vfio kernel-internal interface" of the seed), the LIOBN, then the link.
/// KVM holds the container, not its groups: a group may leave the container while it is bound
/// (it then gets its own table), and one that joins is covered at once.
/// </summary>
public static class ContainerBindingIoctls
{
    public static (SetupResult, IFabricEvent[]) Bind(HostTopology host, BindVfioContainer c)
    {
        if (VmUsesDesign(host, c.Vm, LiobnBinding.Container) is { } design) return Fail(design);
        if (ContainerFile(host, c.ContainerFd, out var container) is { } badFd) return Fail(badFd);
        if (ContainerHasTables(container) is { } noTables) return Fail(noTables);
        if (!host.Vms[c.Vm].Tables.TryGetValue(c.Liobn, out var table) || !table.InKernel)
            return Fail(Errno.ENOENT, $"KVM has no table for LIOBN 0x{c.Liobn:x} in VM {c.Vm}; create it with tce-table first");
        if (ContainerServesNoOtherVm(container, c.Vm) is { } busy) return Fail(busy);
        if (LinksOf(host, c.Vm, c.Liobn, container).Any())
            return Fail(Errno.EEXIST, $"LIOBN 0x{c.Liobn:x} is already bound to container {container.Id}");
        if (FirstCompatibleWindow(container, table) is not { } window) return Fail(NoCompatibleWindow(container, table));
        return Ok(GuestTakesContainer(host, c.Vm, container)
            .Prepend(new ContainerBound(host.Name, c.Vm, c.Liobn, container.Id, window.Index)));
    }

    /// <summary>
    /// The unbind: the link goes, and with it the guest's translations in the container's window
    /// (Fabric's choice for a design with no upstream code: nothing keeps them coherent once KVM
    /// stops writing the window, so they are cleared and killed rather than left stale).
    /// </summary>
    public static (SetupResult, IFabricEvent[]) Unbind(HostTopology host, UnbindVfioContainer c)
    {
        if (VmUsesDesign(host, c.Vm, LiobnBinding.Container) is { } design) return Fail(design);
        if (ContainerFile(host, c.ContainerFd, out var container) is { } badFd) return Fail(badFd);
        var links = LinksOf(host, c.Vm, c.Liobn, container).ToArray();
        if (links.Length == 0) return Fail(Errno.ENOENT, $"LIOBN 0x{c.Liobn:x} is not bound to container {container.Id}");
        return Ok(links.Select(k => (IFabricEvent)new LiobnUnlinked(host.Name, c.Vm, k.Liobn, k.Container, k.Window, ClearHardware: true)));
    }

    /// <summary>fdget, then the file must be a container (/dev/vfio/vfio).</summary>
    private static SetupResult? ContainerFile(HostTopology host, FdArgument fd, out VfioContainer container)
    {
        var file = VfioIoctls.FileOf(host, VfioIoctls.Resolve(host, fd));
        container = (file as VfioContainer)!;
        if (file is null) return SetupResult.Fail(Errno.EBADF, $"{fd} is not open");
        return file is VfioContainer ? null : SetupResult.Fail(Errno.EINVAL, $"{fd} is not a container fd (/dev/vfio/vfio)");
    }

    /// <summary>Only an sPAPR TCE container has tables to give KVM.</summary>
    private static SetupResult? ContainerHasTables(VfioContainer c) =>
        c.HasDriver && c.Windows.Length > 0 ? null
            : SetupResult.Fail(Errno.EINVAL, $"container {c.Id} has no sPAPR TCE tables (no groups, or no VFIO_SET_IOMMU type 7 yet)");

    private static IEnumerable<LinkKey> LinksOf(HostTopology host, string vm, ulong liobn, VfioContainer container) =>
        DeviceOf(host, vm).Links.Keys.Where(k => k.Liobn == liobn && k.Container == container.Id);
}
