using System.Diagnostics;
using System.Numerics;
using Akka.Actor;
using Fabric.Ddw;
using Fabric.Messages;
using Fabric.Vcpu;
using Fabric.Vm;

namespace Fabric.Hosting.Workloads;

/// <summary>What a pseries boot did: the window it made, and what mapping all RAM took.</summary>
/// <param name="Liobn">The LIOBN of the window RAM is mapped in.</param>
/// <param name="WindowStart">Its bus address: a device reaches guest physical p at WindowStart + p.</param>
/// <param name="Hcalls">Every hypercall made: the clear of the default window and the mapping.</param>
public sealed record PseriesBootResult(ulong Liobn, int PageShift, ulong WindowStart, int WindowShift, long TcesMapped, long Hcalls, TimeSpan MapTime);

/// <summary>
/// A Linux pseries guest bringing up DMA on one PHB as arch/powerpc/platforms/pseries/iommu.c does
/// (spec papr-tce.md section 6): the default window cleared with 512 x H_STUFF_TCE(512); then
/// enable_ddw: query, the default window removed only when no window is left, the largest page
/// size offered, a window of 2^order(RAM) created, all RAM mapped once with H_PUT_TCE_INDIRECT of
/// at most 512 TCEs from a per-CPU 4K page (TCE = phys | R | W); from then on the device's DMA
/// goes to WindowStart + phys with no hypercall. Several vCPUs map a slice of RAM each, as a
/// guest's parallel memory hotplug would; Linux itself maps at boot on one.
/// </summary>
public static class PseriesBoot
{
    /// <summary>Linux's order of preference (iommu_get_page_shift): the largest page the PHB offers.</summary>
    private static readonly (ulong Bit, int Shift)[] Preference =
        [(0x80, 34), (0x40, 28), (0x20, 27), (0x10, 26), (0x8, 25), (0x4, 24), (0x2, 16), (0x1, 12)];

    public static int? LargestPageShift(ulong pageSizeMask) =>
        Preference.Where(p => (pageSizeMask & p.Bit) != 0).Select(p => (int?)p.Shift).FirstOrDefault();

    /// <summary>order_base_2 of the RAM size: the window covers all of it.</summary>
    public static int WindowShift(ulong ramBytes) => BitOperations.Log2(BitOperations.RoundUpToPowerOf2(ramBytes));

    /// <summary>The per-CPU page each vCPU builds its TCE lists in: the top pages of RAM.</summary>
    public static ulong TceListPage(ulong ramBytes, int vcpu) => (ramBytes & ~0xFFFUL) - 0x1000UL * (ulong)(vcpu + 1);

    public static async Task<PseriesBootResult> Run(FabricRuntime fabric, string host, string vm, int phb, int vcpus = 1, IHcallObserver? observer = null)
    {
        var ram = fabric.Memory(host).GuestRams[vm];
        var buid = AddPhb.BuidBase + (ulong)phb;
        var defaultLiobn = AddPhb.Liobn(phb, 0);
        var cpus = await Vcpus(fabric, host, vm, vcpus);

        // The firmware's window is cleared before the kernel uses the PHB (iommu_table_clear).
        var cleared = await Workload(cpus[0], 512, i => new HStuffTce(defaultLiobn, (ulong)i * 512 << 12, 0, 512), observer);

        var query = await Rtas(fabric, host, new QueryPeDmaWindow(vm, buid, 0, 5));
        if (query.Outputs[0] == 0)
        {
            await Rtas(fabric, host, new RemovePeDmaWindow(vm, (uint)defaultLiobn));
            query = await Rtas(fabric, host, new QueryPeDmaWindow(vm, buid, 0, 5));
        }
        var pageShift = LargestPageShift(query.Outputs[2]) ?? throw new InvalidOperationException($"PHB {phb} offers no page size (mask 0x{query.Outputs[2]:x})");
        var windowShift = Math.Max(WindowShift(ram.Size), pageShift);
        if (query.Outputs[1] < 1UL << (windowShift - pageShift))
            throw new InvalidOperationException($"PHB {phb}'s largest block (0x{query.Outputs[1]:x} TCEs) cannot map all RAM in 2^{pageShift} pages");
        var created = await Rtas(fabric, host, new CreatePeDmaWindow(vm, buid, 0, (uint)pageShift, (uint)windowShift));
        var liobn = created.Outputs[0];
        var start = created.Outputs[1] << 32 | created.Outputs[2];

        var pages = (ram.Size + (1UL << pageShift) - 1) >> pageShift;
        var sw = Stopwatch.StartNew();
        var mapping = await Task.WhenAll(cpus.Select((cpu, v) =>
        {
            var (first, end) = Slice(pages, v, cpus.Length);
            var list = TceListPage(ram.Size, v);
            var calls = (long)((end - first + 511) / 512);
            var batch = new ulong[512];
            return Workload(cpu, calls, i => MapBatch(ram, batch, liobn, start, pageShift, list, first + (ulong)i * 512, end), observer);
        }));
        var mapTime = sw.Elapsed;
        return new PseriesBootResult(liobn, pageShift, start, windowShift, (long)pages, cleared + mapping.Sum(), mapTime);
    }

    /// <summary>The guest writes up to 512 TCEs into its list page and asks for them to be put.</summary>
    /// <param name="batch">The vCPU's own scratch: one call of a vCPU is built at a time.</param>
    private static HPutTceIndirect MapBatch(GuestRam ram, ulong[] batch, ulong liobn, ulong start, int pageShift, ulong list, ulong firstPage, ulong endPage)
    {
        var n = (int)Math.Min(512, endPage - firstPage);
        for (var k = 0; k < n; k++)
            batch[k] = ((firstPage + (ulong)k) << pageShift) | Tce.PciRead | Tce.PciWrite;
        ram.WriteBe64(list, batch.AsSpan(0, n));
        return new HPutTceIndirect(liobn, start + (firstPage << pageShift), list, (ulong)n);
    }

    private static (ulong First, ulong End) Slice(ulong pages, int v, int n)
    {
        // Slices of whole lists, so no call of one vCPU straddles another's pages.
        var lists = (pages + 511) / 512;
        var first = lists * (ulong)v / (ulong)n * 512;
        var end = Math.Min(lists * (ulong)(v + 1) / (ulong)n * 512, pages);
        return (Math.Min(first, pages), end);
    }

    private static async Task<IActorRef[]> Vcpus(FabricRuntime fabric, string host, string vm, int n) =>
        await Task.WhenAll(Enumerable.Range(0, n).Select(i =>
            fabric.System.ActorSelection($"/user/host-{host}/vm-{vm}/vcpu-{i}").ResolveOne(fabric.Timeout)));

    /// <summary>The calls one after another on the vCPU; any that does not succeed stops the boot.</summary>
    private static async Task<long> Workload(IActorRef vcpu, long count, Func<long, IHypercall> call, IHcallObserver? observer)
    {
        if (count == 0) return 0;
        var done = await vcpu.Ask<WorkloadDone>(new RunWorkload(i => call(i), count, observer), TimeSpan.FromHours(1));
        if (done.Failed > 0) throw new InvalidOperationException($"vcpu {done.Vcpu}: {done.Failed} of {done.Calls} calls failed, the first with {done.FirstFailure}");
        return done.Calls;
    }

    private static async Task<RtasAnswer> Rtas(FabricRuntime fabric, string host, IDdwRtasCall call)
    {
        var reply = await fabric.Ask(host, call);
        if (reply is not RtasAnswer { Succeeded: true } answer)
            throw new InvalidOperationException($"{call}: {(reply as RtasAnswer)?.Why ?? (reply as SetupResult)?.Detail ?? reply.ToString()}");
        return answer;
    }
}
