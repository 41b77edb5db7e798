using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Tests.Support;
using Fabric.Vcpu;

namespace Fabric.Tests.Actors;

/// <summary>
/// The two binding designs of seed 000 through the actors, with the invariant checker watching:
/// seed 000's container of two groups where only one is bound, the kill fan-out of one
/// H_PUT_TCE, and a group hot unplugged while vCPUs map and unmap and devices DMA.
/// </summary>
public sealed class BindingDesignsSpec : TestKit
{
    private const ulong Gib = 1UL << 30;
    private const ulong Liobn = 0x1;
    private const ulong Page = 0x7f000000;
    private static readonly HardwareWindow Window4K = new(0, 12, 0, Gib >> 12);

    public BindingDesignsSpec() : base(TestConfigs.InMemory()) { }

    private static async Task Ok(FabricRuntime f, IHostCommand c)
    {
        var result = await f.Setup("h0", c);
        Assert.True(result.Succeeded, $"{c}: {result.Error} {result.Detail}");
    }

    private static async Task<HcallReturn> Put(FabricRuntime f, ulong ioba, ulong tce) =>
        ((HcallResult)await f.Hcall("h0", "g", 0, new HPutTce(Liobn, ioba, tce))).Ret;

    private static async Task<DmaOutcome> Dma(FabricRuntime f, int group, ulong ioba, DmaDirection dir = DmaDirection.Read) =>
        ((DmaResult)await f.Dma("h0", group, ioba, dir)).Outcome;

    /// <summary>VM g of the design, a 1 GiB KVM table at LIOBN 1, groups 1 and 2 in container c0.</summary>
    private static async Task<FabricRuntime> TwoGroups(FabricRuntime f, LiobnBinding design, int vcpus = 1)
    {
        await Ok(f, new CreateVm("g", 2 * Gib, vcpus, design));
        await Ok(f, new CreateTceTable("g", Liobn, 12, 0, Gib >> 12, 0));
        await Ok(f, new AddHostPe(1, 0));
        await Ok(f, new AddHostPe(2, 0));
        await Ok(f, new CreateContainer("c0", [1, 2], [Window4K]));
        return f;
    }

    /// <summary>The design's bind: the listed groups through the KVM-VFIO device, or the whole container.</summary>
    private static async Task Bind(FabricRuntime f, LiobnBinding design, params int[] groups)
    {
        if (design == LiobnBinding.Container)
        {
            await Ok(f, new BindVfioContainer("g", Liobn, FdArgument.OfContainer("c0")));
            return;
        }
        foreach (var g in groups)
        {
            await Ok(f, new KvmVfioGroupAdd("g", FdArgument.OfGroup(g)));
            await Ok(f, new SetSpaprTce("g", FdArgument.OfGroup(g), Liobn));
        }
    }

    /// <summary>Hot unplug of group 1 as QEMU does it: out of the KVM-VFIO device (group design), then out of c0.</summary>
    private static async Task Unplug(FabricRuntime f, LiobnBinding design, int group)
    {
        if (design == LiobnBinding.Group) await Ok(f, new KvmVfioGroupDel("g", FdArgument.OfGroup(group)));
        await Ok(f, new UnsetGroupContainer(group));
    }

    [Fact]
    public async Task group_design_the_group_never_bound_is_coherent_until_the_bound_one_leaves_then_its_stale_translation_is_reported()
    {
        var f = await TwoGroups(new FabricRuntime(Sys), LiobnBinding.Group);
        await Bind(f, LiobnBinding.Group, 1);
        Assert.Equal(HcallReturn.Success, await Put(f, 0x1000, Page | 3));
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 2, 0x1000));
        Assert.Equal(HcallReturn.Success, await Put(f, 0x1000, 0));
        Assert.Equal(DmaOutcome.Fault, await Dma(f, 2, 0x1000)); // killed through the table's group list
        Assert.Empty((await f.Invariants("h0")).Violations);

        Assert.Equal(HcallReturn.Success, await Put(f, 0x1000, Page | 3));
        await Unplug(f, LiobnBinding.Group, 1);
        Assert.Equal(HcallReturn.Success, await Put(f, 0x1000, 0)); // KVM has no hardware table for the LIOBN any more
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 2, 0x1000));

        var violation = Assert.Single((await f.Invariants("h0")).Violations);
        Assert.Equal(InvariantKind.Coherence, violation.Kind);
        Assert.Equal(2, violation.Group);
        Assert.Equal(new HPutTce(Liobn, 0x1000, 0), violation.Call);
    }

    [Fact]
    public async Task container_design_the_group_that_stays_is_written_and_killed_after_the_other_leaves()
    {
        var f = await TwoGroups(new FabricRuntime(Sys), LiobnBinding.Container);
        await Bind(f, LiobnBinding.Container);
        Assert.Equal(HcallReturn.Success, await Put(f, 0x1000, Page | 3));
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 2, 0x1000));
        await Unplug(f, LiobnBinding.Container, 1);
        Assert.Equal(HcallReturn.Success, await Put(f, 0x1000, 0));
        Assert.Equal(DmaOutcome.Fault, await Dma(f, 2, 0x1000));
        Assert.Equal(DmaOutcome.Fault, await Dma(f, 1, 0x1000));
        Assert.DoesNotContain(1, f.Memory("h0").HardwareTables["c0/0"].Groups);
        Assert.Empty((await f.Invariants("h0")).Violations);
    }

    [Fact]
    public async Task container_design_unbind_clears_the_window_before_it_answers()
    {
        var f = await TwoGroups(new FabricRuntime(Sys), LiobnBinding.Container);
        await Bind(f, LiobnBinding.Container);
        Assert.Equal(HcallReturn.Success, await Put(f, 0x1000, Page | 3));
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 1, 0x1000)); // in group 1's TCE cache
        await Ok(f, new UnbindVfioContainer("g", Liobn, FdArgument.OfContainer("c0")));
        Assert.Equal(DmaOutcome.Fault, await Dma(f, 1, 0x1000));
        Assert.Equal(0UL, f.Memory("h0").HardwareTables["c0/0"].Read(1));
        Assert.Empty((await f.Invariants("h0")).Violations);
    }

    private TestProbe AckingRegister(FabricRuntime f, int group) => AckingKillRegister.Install(this, f, group);

    [Theory]
    [InlineData(LiobnBinding.Group)]
    [InlineData(LiobnBinding.Container)]
    public async Task put_tce_writes_each_linked_table_once_and_kills_each_of_its_groups_once(LiobnBinding design)
    {
        var f = await TwoGroups(new FabricRuntime(Sys), design);
        await Bind(f, design, 1, 2); // the group design binds both: two references, one link
        var probes = new[] { 1, 2 }.Select(g => AckingRegister(f, g)).ToArray();

        Assert.Equal(HcallReturn.Success, await Put(f, 0x5000, Page | 3));

        foreach (var probe in probes)
        {
            var kill = probe.ExpectMsg<TceKill>();
            Assert.Equal(("c0/0", 5UL, 1UL), (kill.Table, kill.FirstEntry, kill.Count));
            probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        }
        Assert.NotEqual(0UL, f.Memory("h0").HardwareTables["c0/0"].Read(5));
    }

    /// <summary>
    /// vCPU v maps and unmaps its own 64 pages until told to stop; while it does, devices behind
    /// both groups DMA to those pages and group 1 is hot unplugged. Every answer the guest gets is
    /// H_SUCCESS, and the checker sees every DMA honour what the guest was told.
    /// </summary>
    [Theory]
    [InlineData(LiobnBinding.Group)]
    [InlineData(LiobnBinding.Container)]
    public async Task a_group_hot_unplugged_mid_workload_gets_its_own_table_and_the_invariants_hold(LiobnBinding design)
    {
        const int Vcpus = 2;
        var f = await TwoGroups(new FabricRuntime(Sys), design, Vcpus);
        await Bind(f, design, 1, 2);

        var stop = false;
        long issued = 0;
        static ulong Ioba(int vcpu, long i) => ((ulong)vcpu * 64 + (ulong)(i / 2 % 64)) << 12;
        for (var v = 0; v < Vcpus; v++)
        {
            var vcpu = v;
            var actor = await Sys.ActorSelection($"/user/host-h0/vm-g/vcpu-{vcpu}").ResolveOne(TimeSpan.FromSeconds(3));
            actor.Tell(new RunWorkload(i =>
            {
                if (Volatile.Read(ref stop)) return null;
                Interlocked.Increment(ref issued);
                return new HPutTce(Liobn, Ioba(vcpu, i), i % 2 == 0 ? (Page + (ulong)(i % 128 << 12)) | 3 : 0);
            }, long.MaxValue), TestActor);
        }

        var dmas = 0;
        async Task DmaRound()
        {
            for (var p = 0; p < 2 * 64; p += 13)
            {
                await Dma(f, 1, (ulong)p << 12, DmaDirection.Write);
                await Dma(f, 2, (ulong)p << 12);
                dmas += 2;
            }
        }
        await DmaRound();
        await Unplug(f, design, 1);
        var atUnplug = Interlocked.Read(ref issued);
        await DmaRound();
        await AwaitConditionAsync(() => Task.FromResult(Interlocked.Read(ref issued) > atUnplug + 200), TimeSpan.FromSeconds(30));
        Volatile.Write(ref stop, true);

        var done = new[] { ExpectMsg<WorkloadDone>(TimeSpan.FromSeconds(30)), ExpectMsg<WorkloadDone>(TimeSpan.FromSeconds(30)) };
        Assert.All(done, d => Assert.Equal(0L, d.Failed));
        Assert.True(atUnplug > 0, "the unplug came before any call");
        await DmaRound();

        // After the unplug group 1 has its own, empty table: no page of the guest reaches it.
        for (ulong p = 0; p < 2 * 64; p++)
            Assert.Equal(DmaOutcome.Fault, await Dma(f, 1, p << 12));
        Assert.DoesNotContain(1, f.Memory("h0").HardwareTables["c0/0"].Groups);

        var report = await f.Invariants("h0");
        Assert.Empty(report.Violations);
        Assert.Equal(dmas + 128, report.DmasChecked);
        Assert.True(report.CallsAcknowledged >= done.Sum(d => d.Calls), $"{report.CallsAcknowledged} calls acknowledged");
    }
}
