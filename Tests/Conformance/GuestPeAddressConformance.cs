using Fabric.Eeh;
using Fabric.Host;
using Fabric.Messages;
using Fabric.Tests.Support;

namespace Fabric.Tests.Conformance;

/// <summary>
/// How a guest's EEH RTAS call finds its guest PE, as QEMU's spapr_pci.c handlers find the PHB:
/// by BUID, RTAS_OUT_PARAM_ERROR when no PHB is there; the config address only where QEMU looks
/// the device up (set-eeh-option 1, get-config-addr-info2 0).
/// </summary>
public sealed class GuestPeAddressConformance
{
    private const ulong Phb1 = 0x800000020000001, Phb2 = 0x800000020000002;

    /// <summary>VM g: guest PE 1 over host PEs 1, 2, 3 at PHB 1 on bus 1; guest PE 7 over host PE 4 at PHB 2 (its devices on bus 0).</summary>
    private static HostTopology Host()
    {
        var host = new HostTopology("h0");
        host.Ok(new CreateVm("g", 1UL << 31, 1));
        foreach (var g in new[] { 1, 2, 3, 4 }) host.Ok(new AddHostPe(g, 0));
        host.Ok(new DefineGuestPe("g", 1, [1, 2, 3], Phb: 1, Bus: 1));
        host.Ok(new DefineGuestPe("g", 7, [4], Phb: 2));
        return host;
    }

    private static (GuestPeRtasCall? Call, string Why) Resolve(EehRtasCall call, ulong buid, uint cfg, uint option = 0, string vm = "g") =>
        GuestPeAddress.Resolve(Host(), new GuestPeRtasCall(vm, 0, call, option, Buid: buid, ConfigAddr: cfg));

    [Theory]
    [InlineData(Phb1, 0x10001u, 1)]
    [InlineData(Phb1, 0x20000u, 1)]
    [InlineData(Phb2, 0x0u, 7)]
    public void The_BUID_names_the_guest_PE_of_its_PHB_whatever_the_address_for_calls_that_act_on_the_PE(ulong buid, uint cfg, int id)
    {
        Assert.Equal(id, Resolve(EehRtasCall.SetSlotReset, buid, cfg, 1).Call?.Id);
        Assert.Equal(id, Resolve(EehRtasCall.ReadSlotResetState2, buid, cfg).Call?.Id);
    }

    [Theory]
    [InlineData(0x800000020000000UL)]
    [InlineData(0x800000020000009UL)]
    [InlineData(0x1UL)]
    public void A_BUID_with_no_guest_PE_behind_it_is_a_parameter_error(ulong buid)
    {
        var (call, why) = Resolve(EehRtasCall.ConfigurePe, buid, 0x10001);
        Assert.Null(call);
        Assert.Contains($"no PHB with a guest PE at BUID 0x{buid:x}", why);
    }

    [Fact]
    public void Another_VMs_BUID_is_not_this_VMs() => Assert.Null(Resolve(EehRtasCall.ConfigurePe, Phb1, 0x10001, vm: "other").Call);

    [Theory]
    [InlineData(0x10001u, true)]  // the PE address 00010001: devfn 0, the first device
    [InlineData(0x10800u, true)]  // slot 1
    [InlineData(0x11000u, true)]  // slot 2
    [InlineData(0x11800u, false)] // slot 3: three devices only
    [InlineData(0x10100u, false)] // function 1 of slot 0
    [InlineData(0x20000u, false)] // bus 2
    public void Enabling_EEH_and_asking_the_PE_address_look_the_device_up(uint cfg, bool found)
    {
        Assert.Equal(found, Resolve(EehRtasCall.SetEehOption, Phb1, cfg, 1).Call is not null);
        var info = Resolve(EehRtasCall.GetConfigAddrInfo2, Phb1, cfg, GuestPeRtas.GetPeAddress).Call;
        Assert.Equal(found, info is not null);
        if (info is not null) Assert.Equal(1u, info.Bus);
        // Thawing, or the PE mode, does not look at the device.
        Assert.NotNull(Resolve(EehRtasCall.SetEehOption, Phb1, cfg, 2).Call);
        Assert.NotNull(Resolve(EehRtasCall.GetConfigAddrInfo2, Phb1, cfg, GuestPeRtas.GetPeMode).Call);
    }

    [Fact]
    public void A_call_without_a_BUID_keeps_the_guest_PE_it_names_by_id()
    {
        var c = new GuestPeRtasCall("g", 1, EehRtasCall.ConfigurePe);
        Assert.Same(c, GuestPeAddress.Resolve(Host(), c).Call);
    }

    [Fact]
    public void A_PHB_holds_one_guest_PE()
    {
        var host = Host();
        host.Ok(new AddHostPe(5, 0));
        var (result, _) = host.Decide(new DefineGuestPe("g", 8, [5], Phb: 1));
        Assert.Equal(Errno.EEXIST, result.Error);
        // The default PHB is the guest PE's id.
        Assert.True(host.Decide(new DefineGuestPe("g", 8, [5])).Item1.Succeeded);
    }
}
