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
            RemovePeDmaWindow r => Remove(vm, r.Liobn),
            ResetPeDmaWindow r => Phb(vm, r.Buid) is { } p ? Reset(vm, p) : NoPhb(vm, r.Buid),
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
        return (Answer(r), [Created(vm.Name, window, inKernel)]);
    }

    private static (RtasAnswer, IFabricEvent[]) Remove(HostTopology.VmInfo vm, ulong liobn)
    {
        if (PhbWindows.Owning(vm.DmaWindows.Values, liobn) is not { } phb)
            return Param($"LIOBN 0x{liobn:x} is no window of a PHB of VM {vm.Name}");
        var r = DdwRtas.Remove(phb, liobn);
        return r.Status == RtasStatus.Success ? (Answer(r), [new TceTableRemoved(vm.Name, liobn)]) : (Answer(r), []);
    }

    /// <summary>spapr_phb_dma_reset: every active window disabled, then the default one enabled, empty.</summary>
    private static (RtasAnswer, IFabricEvent[]) Reset(HostTopology.VmInfo vm, PhbWindows phb)
    {
        var r = DdwRtas.Reset(phb);
        if (r.Status != RtasStatus.Success) return (Answer(r), []);
        var events = phb.Windows.Select(w => (IFabricEvent)new TceTableRemoved(vm.Name, w.Liobn)).ToList();
        events.AddRange(r.Phb.Windows.Select(w => Created(vm.Name, w, phb.InKernel)));
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
