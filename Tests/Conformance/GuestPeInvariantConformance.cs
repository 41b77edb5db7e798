using Fabric.Eeh;
using Fabric.Invariants;
using Fabric.Messages;

namespace Fabric.Tests.Conformance;

/// <summary>
/// The EEH invariants of a guest PE over three host PEs, judged from the host PEs' own states:
/// once settled they are in one state, and no DMA completes on one while the guest PE is frozen.
/// </summary>
public sealed class GuestPeInvariantConformance
{
    private const string Host = "h0";
    private static readonly EehPolicy Policy = EehPolicy.Linux;
    private readonly InvariantChecker _checker = new();
    private readonly Dictionary<int, HostPeEeh> _pes = new() { [1] = HostPeEeh.Normal, [2] = HostPeEeh.Normal, [3] = HostPeEeh.Normal };

    public GuestPeInvariantConformance() => _checker.GuestPeDefined(Host, "g", 1, [1, 2, 3]);

    private void Change(int group, HostPeEeh state, bool bySiblings = false)
    {
        _pes[group] = state;
        _checker.PeEeh(Host, group, state, bySiblings);
    }

    private void Freeze(int group, bool bySiblings = false) => Change(group, Policy.Freeze(_pes[group], TimeSpan.FromSeconds(100)), bySiblings);

    private InvariantViolation? Dma(int group) =>
        _checker.CheckFrozenDma(Host, group, 0x1000, DmaDirection.Read, new DmaResult(DmaOutcome.Ok, 0x1007f000000));

    private void FreezeAll()
    {
        Freeze(2);
        Freeze(1, bySiblings: true);
        Freeze(3, bySiblings: true);
        Assert.Null(_checker.GuestPeSettled(Host, "g", 1, "a freeze"));
    }

    [Fact]
    public void A_DMA_that_completes_on_a_host_PE_thawed_behind_its_frozen_guest_PEs_back_is_a_violation()
    {
        FreezeAll();
        Change(1, _pes[1] with { MmioFrozen = false, DmaFrozen = false });

        var v = Dma(1);

        Assert.Equal(InvariantKind.EehFrozenDma, v?.Kind);
        Assert.Equal("eeh violation: DMA read by h0 pe 1 at ioba=0x1000 reached hpa=0x1007f000000: its guest PE g/1 is frozen (host PE 2 frozen, 3 frozen)", v!.ToString());
    }

    [Fact]
    public void While_a_freeze_is_still_spreading_a_sibling_DMA_is_before_the_freeze()
    {
        Freeze(2);
        Assert.Null(Dma(3));
    }

    [Fact]
    public void During_a_recovery_step_a_host_PE_already_thawed_may_complete_DMA()
    {
        FreezeAll();
        Change(1, _pes[1] with { MmioFrozen = false, DmaFrozen = false }, bySiblings: true);
        Assert.Null(Dma(1));
        Change(2, _pes[2] with { MmioFrozen = false, DmaFrozen = false }, bySiblings: true);
        Change(3, _pes[3] with { MmioFrozen = false, DmaFrozen = false }, bySiblings: true);
        Assert.Null(_checker.GuestPeSettled(Host, "g", 1, "SetEehOption"));
        Assert.Null(Dma(2));
    }

    [Fact]
    public void Host_PEs_apart_once_the_guest_PE_settled_are_a_violation_naming_each_state()
    {
        FreezeAll();
        Change(2, _pes[2].Fence(), bySiblings: true);

        var v = _checker.GuestPeSettled(Host, "g", 1, "SetSlotReset");

        Assert.Equal(InvariantKind.EehApart, v?.Kind);
        Assert.Equal("eeh violation: the host PEs of guest PE g/1 are in different states after SetSlotReset: 1 frozen, 2 unavailable, 3 frozen", v!.ToString());
    }

    [Fact]
    public void A_freeze_that_has_reached_every_host_PE_settles_the_guest_PE_as_replay_sees_it()
    {
        Freeze(2);
        Freeze(1, bySiblings: true);
        Freeze(3, bySiblings: true);
        Change(3, _pes[3] with { MmioFrozen = false, DmaFrozen = false });
        Assert.Equal(InvariantKind.EehFrozenDma, Dma(3)?.Kind);
    }

    [Fact]
    public void A_PE_of_no_guest_PE_is_not_judged_by_this_invariant() =>
        Assert.Null(_checker.CheckFrozenDma(Host, 9, 0, DmaDirection.Read, new DmaResult(DmaOutcome.Ok, 0)));

    [Fact]
    public void A_fault_freezing_a_host_PE_as_a_step_settles_is_excused_there_as_a_freeze_still_spreading()
    {
        FreezeAll();
        foreach (var g in new[] { 1, 2, 3 }) Change(g, _pes[g] with { MmioFrozen = false, DmaFrozen = false }, bySiblings: true);
        // A DMA fault freezes host PE 3 just as the step ends: its guest PE has not heard of it yet.
        Freeze(3);

        Assert.Null(_checker.GuestPeSettled(Host, "g", 1, "SetEehOption"));
        Assert.Null(Dma(1));
        Freeze(1, bySiblings: true);
        Freeze(2, bySiblings: true);
        Assert.Null(_checker.GuestPeSettled(Host, "g", 1, "a freeze"));
    }

    [Fact]
    public void A_fault_freeze_excuses_two_settles_only_and_never_siblings_apart_among_themselves()
    {
        FreezeAll();
        foreach (var g in new[] { 1, 2, 3 }) Change(g, _pes[g] with { MmioFrozen = false, DmaFrozen = false }, bySiblings: true);
        Freeze(3);
        Assert.Null(_checker.GuestPeSettled(Host, "g", 1, "SetEehOption"));
        // The next step began before the guest PE heard of the fault.
        Assert.Null(_checker.GuestPeSettled(Host, "g", 1, "ReadSlotResetState2"));

        // Its guest PE never spread it: the settle after that finds them apart.
        Assert.Equal(InvariantKind.EehApart, _checker.GuestPeSettled(Host, "g", 1, "ReadSlotResetState2")?.Kind);

        Change(1, _pes[1].Fence(), bySiblings: true);
        Freeze(2);
        var v = _checker.GuestPeSettled(Host, "g", 1, "SetSlotReset");
        Assert.Equal("eeh violation: the host PEs of guest PE g/1 are in different states after SetSlotReset: 1 unavailable, 2 frozen, 3 frozen", v!.ToString());
    }
}
