using Fabric.Eeh;
using Fabric.Host;
using Fabric.Messages;

namespace Fabric.Ddw;

/// <summary>
/// The dynamic DMA window RTAS calls of a guest, decided against its host's topology as QEMU's
/// dispatcher does (hw/ppc/spapr_rtas_ddw.c): the PHB is found by its BUID (the config address
/// is not checked), the window to remove by its LIOBN among every PHB's, and
/// <see cref="DdwRtas"/> gives the answer. What changed is told as table events: a created
/// window is a <see cref="TceTableCreated"/> of its LIOBN, a removed one a
/// <see cref="TceTableRemoved"/>; a reset is both, for the default window.
/// </summary>
public static class DdwCalls
{
    public static (RtasAnswer Answer, IFabricEvent[] Events) Decide(HostTopology host, IDdwRtasCall call)
    {
        if (!host.Vms.TryGetValue(call.Vm, out var vm)) return Param($"host {host.Name} has no VM named {call.Vm}");
        return call switch
        {
            QueryPeDmaWindow q => Phb(vm, q.Buid) is { } p ? (Answer(DdwRtas.Query(p, Word(q.Nret))), []) : NoPhb(vm, q.Buid),
            CreatePeDmaWindow c => Phb(vm, c.Buid) is { } p ? Create(host, vm, p, c) : NoPhb(vm, c.Buid),
            RemovePeDmaWindow r => Remove(host, vm, r.Liobn),
            ResetPeDmaWindow r => Phb(vm, r.Buid) is { } p ? Reset(host, vm, p) : NoPhb(vm, r.Buid),
            _ => Param($"{call.GetType().Name} is not a DDW RTAS call"),
        };
    }

    private static (RtasAnswer, IFabricEvent[]) Create(HostTopology host, HostTopology.VmInfo vm, PhbWindows phb, CreatePeDmaWindow c)
    {
        var r = DdwRtas.Create(phb, Word(c.PageShift), Word(c.WindowShift));
        if (r.Status != RtasStatus.Success) return (Answer(r), []);
        var window = r.Phb.Window(r.Outputs[0])!;
        // A window too large for the VM's locked memory is left to QEMU, as
        // spapr_tce_alloc_table falls back to a userspace table when KVM refuses.
        var inKernel = phb.InKernel && !HostTopology.OverLockedMemory(vm, window.Entries);
        var (failed, hardware, links) = DdwVfio.Create(host, vm.Name, phb, window);
        if (failed is not null) return (new RtasAnswer(RtasStatus.HwError, [], failed), []);
        return (Answer(r), [.. hardware, Created(vm.Name, window, inKernel), .. links]);
    }

    private static (RtasAnswer, IFabricEvent[]) Remove(HostTopology host, HostTopology.VmInfo vm, ulong liobn)
    {
        if (PhbWindows.Owning(vm.DmaWindows.Values, liobn) is not { } phb)
            return Param($"LIOBN 0x{liobn:x} is no window of a PHB of VM {vm.Name}");
        var r = DdwRtas.Remove(phb, liobn);
        if (r.Status != RtasStatus.Success) return (Answer(r), []);
        return (Answer(r), [.. Removed(host, vm, phb, phb.Window(liobn)!)]);
    }

    /// <summary>The window's table goes after the host's windows it drives (and the links into them).</summary>
    private static IEnumerable<IFabricEvent> Removed(HostTopology host, HostTopology.VmInfo vm, PhbWindows phb, DmaWindow w) =>
        DdwVfio.Remove(host, phb, w).Append(new TceTableRemoved(vm.Name, w.Liobn));

    /// <summary>spapr_phb_dma_reset: every active window disabled, then the default one enabled, empty.</summary>
    private static (RtasAnswer, IFabricEvent[]) Reset(HostTopology host, HostTopology.VmInfo vm, PhbWindows phb)
    {
        var r = DdwRtas.Reset(phb);
        if (r.Status != RtasStatus.Success) return (Answer(r), []);
        var events = phb.Windows.SelectMany(w => Removed(host, vm, phb, w)).ToList();
        // The default window comes back on the host too, in the slots the removals above free.
        var def = r.Phb.Windows.Single();
        var (failed, hardware, links) = DdwVfio.Create(host, vm.Name, phb, def, events.OfType<SpaprTceWindowRemoved>());
        if (failed is not null) return (new RtasAnswer(RtasStatus.HwError, [], failed), []);
        events.AddRange([.. hardware, Created(vm.Name, def, phb.InKernel), .. links]);
        return (Answer(r), events.ToArray());
    }

    // ---- The PHB state as the table events leave it ---------------------------------------------

    /// <summary>A table of a PHB's LIOBN enables its window (the default one is enabled already).</summary>
    public static void Apply(HostTopology.VmInfo vm, TceTableCreated t)
    {
        if (PhbWindows.Owning(vm.DmaWindows.Values, t.Liobn) is not { } phb) return;
        if (phb.Window(t.Liobn) is null) phb = phb.Enabled(new DmaWindow(t.Liobn, t.PageShift, t.Offset << t.PageShift, t.Size));
        vm.DmaWindows[phb.Index] = t.InKernel ? phb with { InKernel = true } : phb;
    }

    /// <summary>A group or container linked to one of the PHB's LIOBNs serves the PHB from now on.</summary>
    public static void Apply(HostTopology.VmInfo vm, ulong liobn, string container)
    {
        if (PhbWindows.Owning(vm.DmaWindows.Values, liobn) is { } phb && !phb.Containers.Contains(container))
            vm.DmaWindows[phb.Index] = phb with { Containers = [.. phb.Containers, container] };
    }

    public static void Apply(HostTopology.VmInfo vm, TceTableRemoved r)
    {
        vm.Tables.Remove(r.Liobn);
        vm.Removals[r.Liobn] = vm.Removals.GetValueOrDefault(r.Liobn) + 1;
        if (PhbWindows.Owning(vm.DmaWindows.Values, r.Liobn) is { } phb) vm.DmaWindows[phb.Index] = phb.Disabled(r.Liobn);
    }

    /// <summary>KVM_CREATE_SPAPR_TCE_64 of a PHB's LIOBN is QEMU's own, made only for a window the PHB has.</summary>
    public static SetupResult? KvmTableOfAnActiveWindow(HostTopology.VmInfo vm, ulong liobn) =>
        PhbWindows.Owning(vm.DmaWindows.Values, liobn) is { } phb && phb.Window(liobn) is null
            ? SetupResult.Fail(Errno.EINVAL, $"LIOBN 0x{liobn:x} is a window of PHB {phb.Index} that is not enabled; create it with RTAS_CREATE_PE_DMA_WINDOW first")
            : null;

    private static TceTableCreated Created(string vm, DmaWindow w, bool inKernel) =>
        new(vm, w.Liobn, w.PageShift, w.BusOffset >> w.PageShift, w.Entries, inKernel, InUserspace: true);

    private static PhbWindows? Phb(HostTopology.VmInfo vm, ulong buid) =>
        buid >= AddPhb.BuidBase && buid - AddPhb.BuidBase <= int.MaxValue ? vm.DmaWindows.GetValueOrDefault((int)(buid - AddPhb.BuidBase)) : null;

    /// <summary>An RTAS argument word as DdwRtas takes it: a shift beyond 64 is as impossible as 64.</summary>
    private static int Word(uint w) => (int)Math.Min(w, 64u);

    private static RtasAnswer Answer(DdwResult r) => new(r.Status, r.Outputs, r.Why);

    private static (RtasAnswer, IFabricEvent[]) Param(string why) => (new RtasAnswer(RtasStatus.ParamError, [], why), []);

    private static (RtasAnswer, IFabricEvent[]) NoPhb(HostTopology.VmInfo vm, ulong buid) =>
        Param($"VM {vm.Name} has no PHB with BUID 0x{buid:x}");
}
