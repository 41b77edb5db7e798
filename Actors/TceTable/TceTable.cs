using Fabric.Messages;
using Fabric.Vm;

namespace Fabric.TceTable;

/// <summary>
/// One LIOBN's TCE table: the guest view, which handlers know it (KVM in kernel, QEMU in
/// userspace, or both sharing one table as QEMU mmaps KVM's), and the hardware tables linked
/// to it. Decide answers a hypercall without changing anything; Apply is the only mutation,
/// used alike by the actor, by recovery and by replay.
/// </summary>
public sealed class TceTable
{
    private readonly List<HardwareLink> _links = new();

    public TceTable(TceTableGeometry geometry, bool inKernel, bool inUserspace, GuestRam ram, TcePolicy? policy = null)
    {
        Policy = policy ?? TcePolicy.Default;
        Geometry = geometry;
        InKernel = inKernel;
        InUserspace = inUserspace && QemuTceHandler.IsUserspaceLiobn(geometry.Liobn);
        Ram = ram;
        View = new GuestTceView(geometry.Offset, geometry.Size);
    }

    public TceTableGeometry Geometry { get; }
    public TcePolicy Policy { get; }
    public bool InKernel { get; private set; }
    public bool InUserspace { get; }
    public GuestRam Ram { get; }
    public GuestTceView View { get; }
    public IReadOnlyList<HardwareLink> Links => _links;

    /// <summary>Spec section 0: the kernel answers first; H_TOO_HARD goes to userspace, whose answer is final.</summary>
    public HcallHandled Decide(long callId, IHypercall call)
    {
        var kvm = InKernel && Policy.KernelAcceleration ? Kernel(call) : null;
        if (kvm is not null && kvm.Ret != HcallReturn.TooHard)
            return new HcallHandled(callId, call, kvm.Ret, kvm.R4, HcallHandler.Kvm, kvm.Writes);
        var qemu = Userspace(call);
        var writes = kvm is null || kvm.Writes.Length == 0 ? qemu.Writes : [.. kvm.Writes, .. qemu.Writes];
        return new HcallHandled(callId, call, qemu.Ret, qemu.R4, HcallHandler.Qemu, writes);
    }

    private HcallOutcome Kernel(IHypercall call) => call switch
    {
        HPutTce c => KvmTceHandler.PutTce(this, c),
        HPutTceIndirect c => KvmTceHandler.PutTceIndirect(this, c),
        HStuffTce c => KvmTceHandler.StuffTce(this, c),
        HGetTce c => KvmTceHandler.GetTce(this, c),
        _ => HcallOutcome.Fail(HcallReturn.Function, call.Liobn),
    };

    private HcallOutcome Userspace(IHypercall call) => call switch
    {
        HPutTce c => QemuTceHandler.PutTce(this, c),
        HPutTceIndirect c => QemuTceHandler.PutTceIndirect(this, c),
        HStuffTce c => QemuTceHandler.StuffTce(this, c),
        HGetTce c => QemuTceHandler.GetTce(this, c),
        _ => HcallOutcome.Fail(HcallReturn.Function, call.Liobn),
    };

    /// <summary>QEMU created the KVM table of its own window: from now on the kernel answers first.</summary>
    public void Apply(TceTableCreated e) => InKernel |= e.InKernel;

    public void Apply(HcallHandled e)
    {
        foreach (var w in e.Writes) ApplyWrite(w);
    }

    public void ApplyWrite(TceWrite w) => View.SetRun(w);

    /// <summary>Links a hardware table, or takes one more reference on an existing link.</summary>
    public void Link(HardwareLink link)
    {
        var i = _links.FindIndex(l => ReferenceEquals(l.Table, link.Table));
        if (i >= 0) _links[i] = _links[i] with { References = _links[i].References + 1 };
        else _links.Add(link);
    }

    public void Unlink(string container, int window)
    {
        var i = _links.FindIndex(l => l.Container == container && l.Window == window);
        if (i < 0) return;
        if (_links[i].References > 1) _links[i] = _links[i] with { References = _links[i].References - 1 };
        else _links.RemoveAt(i);
    }
}
