using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Fabric.Hosting;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests.Actors;

/// <summary>
/// VFIO ioctls through the host actor: groups attached to and detached from a container that
/// mirrors a guest's LIOBN, with device DMA checked by the invariant checker all along; and a
/// container kept alive by an external user after the VMM closed every fd.
/// </summary>
public sealed class VfioFlowSpec : TestKit
{
    private const ulong Gib = 1UL << 30;
    private const ulong Liobn = 0x1;
    private static readonly HardwareWindow Window4K = new(0, 12, 0, Gib >> 12);

    public VfioFlowSpec() : base(TestConfigs.InMemory()) { }

    private static async Task<SetupResult> Ok(FabricRuntime f, IHostCommand c)
    {
        var result = await f.Setup("h0", c);
        Assert.True(result.Succeeded, $"{c}: {result.Error} {result.Detail}");
        return result;
    }

    private static async Task<DmaOutcome> Dma(FabricRuntime f, int group, DmaDirection dir = DmaDirection.Write) =>
        ((DmaResult)await f.Dma("h0", group, 0x2010, dir)).Outcome;

    /// <summary>VM g with a KVM table at LIOBN 1; PEs 1 and 2; group 1 alone in c0 (sPAPR v2), bound; 0x2000 mapped.</summary>
    private static async Task<FabricRuntime> GuestWithGroup1Bound(FabricRuntime f)
    {
        await Ok(f, new CreateVm("g", 2 * Gib, 1));
        await Ok(f, new CreateTceTable("g", Liobn, 12, 0, Gib >> 12, 0));
        await Ok(f, new AddHostPe(1, 0));
        await Ok(f, new AddHostPe(2, 0));
        await Ok(f, new OpenVfioGroup(1));
        await Ok(f, new OpenVfioContainer("c0"));
        await Ok(f, new SetGroupContainer(1, FdArgument.OfContainer("c0")));
        await Ok(f, new SetIommu("c0", SetIommu.SpaprTceV2, [Window4K]));
        await Ok(f, new BindGroupToLiobn("g", Liobn, 1));
        var put = (HcallResult)await f.Hcall("h0", "g", 0, new HPutTce(Liobn, 0x2000, 0x7f000003));
        Assert.Equal(HcallReturn.Success, put.Ret);
        return f;
    }

    [Fact]
    public async Task a_group_attached_to_a_bound_container_shares_its_table_and_once_detached_its_dma_faults()
    {
        var f = await GuestWithGroup1Bound(new FabricRuntime(Sys));
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 1));
        Assert.Equal(DmaOutcome.Fault, await Dma(f, 2)); // not in any container yet

        await Ok(f, new OpenVfioGroup(2));
        await Ok(f, new SetGroupContainer(2, FdArgument.OfContainer("c0")));
        Assert.Contains(2, f.Memory("h0").HardwareTables["c0/0"].Groups);
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 2, DmaDirection.Read)); // fills group 2's TCE cache

        await Ok(f, new UnsetGroupContainer(2));
        Assert.DoesNotContain(2, f.Memory("h0").HardwareTables["c0/0"].Groups);
        Assert.Equal(DmaOutcome.Fault, await Dma(f, 2, DmaDirection.Read)); // no stale cache entry either
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 1));

        var report = await f.Invariants("h0");
        Assert.Empty(report.Violations);
        Assert.Equal(5, report.DmasChecked);
    }

    [Fact]
    public async Task an_unmap_after_a_detach_kills_only_the_groups_still_in_the_container()
    {
        var f = await GuestWithGroup1Bound(new FabricRuntime(Sys));
        await Ok(f, new OpenVfioGroup(2));
        await Ok(f, new SetGroupContainer(2, FdArgument.OfContainer("c0")));
        await Ok(f, new UnsetGroupContainer(2));
        var probe = CreateTestProbe();
        KillRegisterSwap.Replace(f, 2, probe.Ref);

        var clear = (HcallResult)await f.Hcall("h0", "g", 0, new HPutTce(Liobn, 0x2000, 0));
        Assert.Equal(HcallReturn.Success, clear.Ret);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(DmaOutcome.Fault, await Dma(f, 1));
        Assert.Empty((await f.Invariants("h0")).Violations);
    }

    [Fact]
    public async Task a_bound_group_cannot_leave_its_container_and_keeps_its_dma()
    {
        var f = await GuestWithGroup1Bound(new FabricRuntime(Sys));
        Assert.Equal(Errno.EBUSY, (await f.Setup("h0", new UnsetGroupContainer(1))).Error);
        await Ok(f, new CloseVfioFd(FdArgument.OfGroup(1)));
        Assert.Equal(DmaOutcome.Ok, await Dma(f, 1));
        Assert.Empty((await f.Invariants("h0")).Violations);
    }

    [Fact]
    public async Task closing_the_group_fd_while_kvm_holds_it_keeps_the_container_until_put()
    {
        var f = new FabricRuntime(Sys);
        await Ok(f, new AddHostPe(1, 0));
        Assert.Equal(3, (await Ok(f, new OpenVfioGroup(1))).Value);
        await Ok(f, new OpenVfioContainer("c0"));
        await Ok(f, new SetGroupContainer(1, FdArgument.OfContainer("c0")));
        await Ok(f, new SetIommu("c0", SetIommu.SpaprTceV2, [Window4K]));
        await Ok(f, new GetExternalUser(FdArgument.OfGroup(1)));   // KVM_DEV_VFIO_GROUP_ADD

        await Ok(f, new CloseVfioFd(FdArgument.OfGroup(1)));       // the VMM closes its group fd
        await Ok(f, new CloseVfioFd(FdArgument.OfContainer("c0"))); // and its container fd
        Assert.Equal(1, (await Ok(f, new ExternalUserIommuId(1))).Value);
        Assert.Equal(Errno.EBUSY, (await f.Setup("h0", new OpenVfioGroup(1))).Error); // still in c0
        Assert.Equal(Errno.EEXIST, (await f.Setup("h0", new OpenVfioContainer("c0"))).Error); // c0 survives
        Assert.Equal(1, Assert.Single(f.Memory("h0").HardwareTables["c0/0"].Groups));

        await Ok(f, new PutExternalUser(1));                       // KVM lets go: the container dissolves
        Assert.False(f.Memory("h0").HardwareTables.ContainsKey("c0/0"));
        Assert.Equal(3, (await Ok(f, new OpenVfioGroup(1))).Value);
        await Ok(f, new OpenVfioContainer("c0"));
    }

    [Fact]
    public async Task a_host_started_again_on_its_journal_has_the_same_groups_containers_and_fds()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-vfio-");
        var file = Path.Combine(dir.FullName, "journal.db");
        var quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING");
        try
        {
            await using (var first = new FabricRuntime(FabricConfig.Build(JournalKind.Sqlite, file, quiet), "first"))
            {
                await GuestWithGroup1Bound(first);
                await Ok(first, new OpenVfioGroup(2));
                await Ok(first, new SetGroupContainer(2, FdArgument.OfContainer("c0")));
                await Ok(first, new UnsetGroupContainer(2));
            }
            await using var second = new FabricRuntime(FabricConfig.Build(JournalKind.Sqlite, file, quiet), "second");
            // The table answers once it has recovered and rewritten its hardware tables.
            var get = (HcallResult)await second.Hcall("h0", "g", 0, new HGetTce(Liobn, 0x2000));
            Assert.Equal(0x7f000003UL, get.R4);
            Assert.Equal(DmaOutcome.Ok, await Dma(second, 1));
            Assert.Equal(DmaOutcome.Fault, await Dma(second, 2));
            Assert.Equal(Errno.EBUSY, (await second.Setup("h0", new OpenVfioGroup(2))).Error);   // fd 5 is still open
            Assert.Equal(Errno.EBUSY, (await second.Setup("h0", new UnsetGroupContainer(1))).Error); // KVM holds group 1
            Assert.Equal(6, (await Ok(second, new OpenVfioContainer("c1"))).Value);
            Assert.Empty((await second.Invariants("h0")).Violations);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }
    }
}
