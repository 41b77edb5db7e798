using Fabric.Hosting;
using Fabric.Messages;

namespace Fabric.Tests.Support;

/// <summary>
/// The topology most actor tests start from: VM g (2 GiB) on host h0 with a KVM table of 1 GiB
/// of 4K TCEs at LIOBN liobn, host PEs for the groups, one container c0 holding them with a
/// matching hardware window, and the first group bound to the LIOBN.
/// </summary>
public static class BoundTable
{
    public const ulong Gib = 1UL << 30;

    public static async Task SetUp(FabricRuntime f, ulong liobn, int[] groups, int vcpus = 1)
    {
        await Ok(f, new CreateVm("g", 2 * Gib, vcpus));
        await Ok(f, new CreateTceTable("g", liobn, 12, 0, Gib >> 12, 0));
        foreach (var g in groups) await Ok(f, new AddHostPe(g, 0));
        await Ok(f, new CreateContainer("c0", groups, [new HardwareWindow(0, 12, 0, Gib >> 12)]));
        await Ok(f, new BindGroupToLiobn("g", liobn, groups[0]));
    }

    public static async Task Ok(FabricRuntime f, IHostCommand c) => Assert.Equal(SetupResult.Ok, await f.Setup("h0", c));

    public static async Task<HcallResult> Call(FabricRuntime f, IHypercall c) => (HcallResult)await f.Hcall("h0", "g", 0, c);
}
