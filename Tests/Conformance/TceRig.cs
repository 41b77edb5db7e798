using Fabric.Container;
using Fabric.Messages;
using Fabric.TceTable;
using Fabric.Vm;

namespace Fabric.Tests.Conformance;

using Table = Fabric.TceTable.TceTable;

/// <summary>The four TCE hypercalls, so theories can range over them with serializable data.</summary>
public enum Op
{
    Get,
    Put,
    Stuff,
    Indirect,
}

/// <summary>Which handlers know a table (spec section 0).</summary>
public enum Knows
{
    /// <summary>KVM_CREATE_SPAPR_TCE_64 only: QEMU does not know the LIOBN.</summary>
    Kvm,

    /// <summary>QEMU's emulated table: the kernel does not know the LIOBN.</summary>
    Qemu,

    /// <summary>KVM's table that QEMU also knows (mmaps): KVM first, H_TOO_HARD to QEMU.</summary>
    Both,
}

/// <summary>Small, named inputs shared by the conformance tests.</summary>
public static class Tv
{
    public const ulong R = Tce.PciRead;
    public const ulong W = Tce.PciWrite;
    public const ulong RW = R | W;

    /// <summary>16 MiB of guest RAM at guest physical 0, backed at host physical 1 TiB.</summary>
    public const ulong RamBytes = 0x100_0000UL;
    public const ulong HostBase = 1UL << 40;

    /// <summary>A guest physical address just past the end of RAM.</summary>
    public const ulong OutsideRam = RamBytes;

    /// <summary>Where tests put their TCE lists (4K aligned, inside RAM).</summary>
    public const ulong ListGpa = 0x80_0000UL;

    /// <summary>SPAPR_PCI_LIOBN(0, 0).</summary>
    public const ulong Liobn = 0x8000_0000UL;

    /// <summary>A LIOBN with upper 32 bits set: KVM can hold it, QEMU never can.</summary>
    public const ulong WideLiobn = 0x1_8000_0000UL;

    /// <summary>4K pages at bus address 0, 1024 entries (two guest view pages of 512).</summary>
    public static readonly TceTableGeometry Small = new(Liobn, 12, 0, 0x400);

    /// <summary>4K pages starting at entry 0x100 (bus 0x10_0000), 0x200 entries.</summary>
    public static readonly TceTableGeometry Offset = new(Liobn, 12, 0x100, 0x200);

    /// <summary>64K pages at bus address 0, 256 entries (16 MiB, all of RAM).</summary>
    public static readonly TceTableGeometry Big = new(Liobn, 16, 0, 0x100);

    public static GuestRam NewRam(ulong bytes = RamBytes) => new(bytes, HostBase);
}

/// <summary>
/// One TCE table with its guest RAM, and short ways to ask each handler or the composition.
/// <see cref="Do"/> decides and applies, as the table actor does; the others only decide.
/// </summary>
public sealed class Rig
{
    private long _callId;

    public Rig(Knows knows, TceTableGeometry? geometry = null, GuestRam? ram = null)
    {
        Ram = ram ?? Tv.NewRam();
        Geometry = geometry ?? Tv.Small;
        Table = new Table(Geometry, inKernel: knows != Knows.Qemu, inUserspace: knows != Knows.Kvm, Ram);
    }

    public static Rig Kvm(TceTableGeometry? g = null, GuestRam? ram = null) => new(Knows.Kvm, g, ram);
    public static Rig Qemu(TceTableGeometry? g = null, GuestRam? ram = null) => new(Knows.Qemu, g, ram);
    public static Rig Both(TceTableGeometry? g = null, GuestRam? ram = null) => new(Knows.Both, g, ram);

    public GuestRam Ram { get; }
    public TceTableGeometry Geometry { get; }
    public Table Table { get; }
    public ulong Liobn => Geometry.Liobn;
    public GuestTceView View => Table.View;

    /// <summary>The bus address of the n-th entry of the window.</summary>
    public ulong Io(ulong n) => Geometry.BusOffset + (n << Geometry.PageShift);

    /// <summary>The bus address of the last entry of the window.</summary>
    public ulong LastIo => Io(Geometry.Size - 1);

    /// <summary>The bus address one page past the window.</summary>
    public ulong EndIo => Io(Geometry.Size);

    /// <summary>The guest view entry at a bus address.</summary>
    public ulong At(ulong ioba) => View.Get(ioba >> Geometry.PageShift);

    public HGetTce Get(ulong ioba) => new(Liobn, ioba);
    public HPutTce Put(ulong ioba, ulong tce) => new(Liobn, ioba, tce);
    public HStuffTce Stuff(ulong ioba, ulong value, ulong npages) => new(Liobn, ioba, value, npages);
    public HPutTceIndirect Indirect(ulong ioba, ulong list, ulong npages) => new(Liobn, ioba, list, npages);

    /// <summary>Writes the TCEs as a list in guest RAM at <see cref="Tv.ListGpa"/> and names the call.</summary>
    public HPutTceIndirect IndirectOf(ulong ioba, params ulong[] tces) =>
        Indirect(ioba, List(Tv.ListGpa, tces), (ulong)tces.Length);

    /// <summary>The guest stores a TCE list (big-endian words) at gpa.</summary>
    public ulong List(ulong gpa, params ulong[] tces)
    {
        for (var i = 0; i < tces.Length; i++)
            Assert.True(Ram.WriteBe64(gpa + (ulong)i * 8, tces[i]), "the list must lie in guest RAM");
        return gpa;
    }

    /// <summary>A call of the given kind with well-formed arguments (one page at ioba, tce for the value).</summary>
    public IHypercall Call(Op op, ulong ioba, ulong tce = 0) => op switch
    {
        Op.Get => Get(ioba),
        Op.Put => Put(ioba, tce),
        Op.Stuff => Stuff(ioba, tce, 1),
        Op.Indirect => IndirectOf(ioba, tce),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>KVM's handler alone (book3s_64_vio.c), H_TOO_HARD included.</summary>
    public HcallOutcome Kvm(IHypercall call) => call switch
    {
        HGetTce c => KvmTceHandler.GetTce(Table, c),
        HPutTce c => KvmTceHandler.PutTce(Table, c),
        HStuffTce c => KvmTceHandler.StuffTce(Table, c),
        HPutTceIndirect c => KvmTceHandler.PutTceIndirect(Table, c),
        _ => throw new ArgumentOutOfRangeException(nameof(call)),
    };

    /// <summary>QEMU's handler alone (spapr_iommu.c under 7.2).</summary>
    public HcallOutcome Qemu(IHypercall call) => call switch
    {
        HGetTce c => QemuTceHandler.GetTce(Table, c),
        HPutTce c => QemuTceHandler.PutTce(Table, c),
        HStuffTce c => QemuTceHandler.StuffTce(Table, c),
        HPutTceIndirect c => QemuTceHandler.PutTceIndirect(Table, c),
        _ => throw new ArgumentOutOfRangeException(nameof(call)),
    };

    /// <summary>What the guest sees: the composition, without changing the table.</summary>
    public HcallHandled Decide(IHypercall call) => Table.Decide(++_callId, call);

    /// <summary>Decide and apply, as the table actor does.</summary>
    public HcallHandled Do(IHypercall call)
    {
        var handled = Decide(call);
        Table.Apply(handled);
        return handled;
    }

    /// <summary>Applies one handler's outcome as if the composition had given it.</summary>
    public void Apply(IHypercall call, HcallOutcome outcome, HcallHandler by) =>
        Table.Apply(new HcallHandled(++_callId, call, outcome.Ret, outcome.R4, by, outcome.Writes));

    /// <summary>Maps entries with Do and asserts they succeeded.</summary>
    public void Map(ulong ioba, ulong tce) => Assert.Equal(HcallReturn.Success, Do(Put(ioba, tce)).Ret);

    /// <summary>Links a hardware table as KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE would.</summary>
    public HardwareTceTable Link(int pageShift, ulong entries, string container = "c0", int window = 0)
    {
        var hw = Hw.Table(pageShift, Geometry.BusOffset, entries, container, window);
        Table.Link(new HardwareLink(hw, container, window, 1));
        return hw;
    }
}

/// <summary>Hardware-side inputs.</summary>
public static class Hw
{
    public static HardwareTceTable Table(int pageShift, ulong busOffset, ulong entries, string container = "c0", int window = 0) =>
        new(ContainerKeys.Window(container, window), new HardwareWindow(window, pageShift, busOffset, entries));

    /// <summary>What PowerNV writes for a host physical page and permissions.</summary>
    public static ulong Entry(ulong hpa, ulong perms) => hpa | perms;
}

/// <summary>Views of handler results that are easy to assert on.</summary>
public static class Writes
{
    /// <summary>Every (entry, value) a list of runs writes, in order.</summary>
    public static (ulong Entry, ulong Value)[] Flat(IEnumerable<TceWrite> writes) =>
        writes.SelectMany(w => Enumerable.Range(0, checked((int)w.Count))
            .Select(i => (w.FirstEntry + (ulong)i, w.ValueAt((ulong)i)))).ToArray();

    public static ulong Count(IEnumerable<TceWrite> writes) => writes.Aggregate(0UL, (n, w) => n + w.Count);

    public static (ulong Entry, ulong Value)[] Run(ulong first, params ulong[] values) =>
        values.Select((v, i) => (first + (ulong)i, v)).ToArray();
}
