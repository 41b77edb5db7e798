using Fabric.Invariants;
using Fabric.Messages;
using static Fabric.Tests.Conformance.Tv;

namespace Fabric.Tests.Conformance;

/// <summary>
/// The checker's two invariants, judged only from what the guest was told: a DMA may use an
/// acknowledged translation or one a call in flight is changing; the pre-change translation
/// after acknowledgement is a Coherence violation naming the call; memory the guest has not
/// mapped, or outside it, is Isolation.
/// </summary>
public sealed class InvariantCheckerConformance
{
    private const string Host = "h0";
    private const string Vm = "g";
    private const int Group = 1;

    private readonly InvariantChecker _checker = new();
    private long _callId;

    public InvariantCheckerConformance()
    {
        _checker.AddVm(Vm, HostBase, RamBytes);
        _checker.AddTable(Vm, Liobn, 12, 0, 0x400);
        _checker.LinkGroup(Host, Group, Vm, Liobn);
    }

    /// <summary>A put the table applied; acknowledged unless told otherwise. Returns the call id.</summary>
    private long Put(ulong ioba, ulong tce, bool acknowledge = true)
    {
        var id = ++_callId;
        var call = new HPutTce(Liobn, ioba, tce);
        _checker.CallApplied(Vm, Liobn, id, call, [new TceRunWritten(ioba >> 12, [tce])]);
        if (acknowledge) _checker.CallAcknowledged(Vm, id);
        return id;
    }

    private InvariantViolation? Dma(ulong ioba, DmaDirection dir, ulong hpa, int group = Group) =>
        _checker.CheckDma(Host, group, ioba, dir, new DmaResult(DmaOutcome.Ok, hpa));

    [Theory]
    [InlineData(RW, DmaDirection.Write)]
    [InlineData(RW, DmaDirection.Read)]
    [InlineData(R, DmaDirection.Read)]
    [InlineData(W, DmaDirection.Read)]   // PowerNV reads through a write-only TCE
    public void dma_through_an_acknowledged_mapping_is_fine(ulong perms, DmaDirection dir)
    {
        Put(0x1000, 0x2000 | perms);
        Assert.Null(Dma(0x1008, dir, HostBase + 0x2008));
        Assert.Empty(_checker.Violations);
    }

    [Fact]
    public void an_acknowledgement_that_overtakes_an_earlier_calls_is_not_undone_by_it()
    {
        // The table applied an unmap, then a map of the same entry; the map's kills were quicker,
        // so its acknowledgement came first. The unmap's, arriving after, must not clear the
        // entry the map wrote: the table holds the map's value.
        Put(0x1000, 0x2000 | RW);
        _checker.CallApplied(Vm, Liobn, 50, new HPutTce(Liobn, 0x1000, 0), [new TceRunWritten(1, [0])]);
        _checker.CallApplied(Vm, Liobn, 51, new HPutTce(Liobn, 0x1000, 0x5000 | RW), [new TceRunWritten(1, [0x5000 | RW])]);
        _checker.CallAcknowledged(Vm, 51);
        _checker.CallAcknowledged(Vm, 50);

        Assert.Null(Dma(0x1008, DmaDirection.Read, HostBase + 0x5008));
        Assert.NotNull(Dma(0x1008, DmaDirection.Read, HostBase + 0x2008));
    }

    [Fact]
    public void two_vms_numbering_their_calls_alike_keep_their_calls_in_flight_apart()
    {
        // Call ids are unique per VM only: a second VM's call 1 acknowledged must not end the
        // first VM's call 1, still in flight.
        _checker.AddVm("other", HostBase + RamBytes, RamBytes);
        _checker.AddTable("other", Liobn, 12, 0, 0x400);
        _checker.CallApplied(Vm, Liobn, 1, new HPutTce(Liobn, 0x1000, 0x2000 | RW), [new TceRunWritten(1, [0x2000 | RW])]);
        _checker.CallApplied("other", Liobn, 1, new HPutTce(Liobn, 0x5000, 0x3000 | RW), [new TceRunWritten(5, [0x3000 | RW])]);
        _checker.CallAcknowledged("other", 1);

        Assert.Null(Dma(0x1008, DmaDirection.Read, HostBase + 0x2008));
        _checker.CallAcknowledged(Vm, 1);
        Assert.Null(Dma(0x1008, DmaDirection.Read, HostBase + 0x2008));
        Assert.Empty(_checker.Violations);
    }

    [Fact]
    public void dma_through_an_entry_cleared_by_an_acknowledged_stuff_is_a_coherence_violation_naming_it()
    {
        Put(0x1000, 0x2000 | RW);
        Put(0x300000, 0x9000 | RW);   // a page of the mirror the clear does not cover
        var stuff = new HStuffTce(Liobn, 0, 0, 0x200);
        _checker.CallApplied(Vm, Liobn, 99, stuff, [new TceRunStuffed(0, 0, 0x200)]);
        _checker.CallAcknowledged(Vm, 99);

        var v = Dma(0x1008, DmaDirection.Read, HostBase + 0x2008);
        Assert.Equal((InvariantKind.Coherence, 99L, (IHypercall?)stuff), (v?.Kind, v?.CallId, v?.Call));
        Assert.Null(Dma(0x300008, DmaDirection.Read, HostBase + 0x9008));
    }

    [Fact]
    public void dma_through_a_translation_still_in_flight_is_fine()
    {
        Put(0x1000, 0x2000 | RW);
        Put(0x1000, 0x5000 | RW, acknowledge: false);
        Assert.Null(Dma(0x1008, DmaDirection.Write, HostBase + 0x5008));   // the new one
        Assert.Null(Dma(0x1008, DmaDirection.Write, HostBase + 0x2008));   // the old one, not yet acknowledged away
        Assert.Empty(_checker.Violations);
    }

    [Fact]
    public void dma_through_the_pre_change_translation_after_acknowledgement_is_a_coherence_violation_naming_the_call()
    {
        Put(0x1000, 0x2000 | RW);
        var clear = Put(0x1000, 0);

        var v = Dma(0x1008, DmaDirection.Write, HostBase + 0x2008);
        Assert.NotNull(v);
        Assert.Equal(InvariantKind.Coherence, v.Kind);
        Assert.Equal(clear, v.CallId);
        Assert.Equal(new HPutTce(Liobn, 0x1000, 0), v.Call);
        Assert.Equal((Host, Group, 0x1008UL, HostBase + 0x2008), (v.Host, v.Group, v.Ioba, v.Hpa));
        Assert.Same(v, Assert.Single(_checker.Violations));
    }

    [Fact]
    public void dma_through_a_remapped_entry_to_the_old_page_is_a_coherence_violation()
    {
        Put(0x1000, 0x2000 | RW);
        var remap = Put(0x1000, 0x7000 | RW);
        var v = Dma(0x1000, DmaDirection.Read, HostBase + 0x2000);
        Assert.Equal((InvariantKind.Coherence, remap), (v?.Kind, v?.CallId));
    }

    [Theory]
    [InlineData(0UL)]                        // just below the guest
    [InlineData(HostBase + RamBytes)]        // just past it
    [InlineData(2 * HostBase + 0x2000)]      // another guest's memory
    public void dma_to_memory_outside_the_guest_is_an_isolation_violation(ulong hpa)
    {
        Put(0x1000, 0x2000 | RW);
        var v = Dma(0x1000, DmaDirection.Write, hpa);
        Assert.Equal(InvariantKind.Isolation, v?.Kind);
        Assert.Contains("outside", v!.Detail);
    }

    [Fact]
    public void dma_to_a_guest_page_not_mapped_for_its_direction_is_an_isolation_violation()
    {
        Put(0x1000, 0x2000 | R);
        Assert.Null(Dma(0x1000, DmaDirection.Read, HostBase + 0x2000));
        Assert.Equal(InvariantKind.Isolation, Dma(0x1000, DmaDirection.Write, HostBase + 0x2000)?.Kind);
    }

    [Fact]
    public void dma_from_a_pe_of_no_guest_is_an_isolation_violation()
    {
        Put(0x1000, 0x2000 | RW);
        Assert.Equal(InvariantKind.Isolation, Dma(0x1000, DmaDirection.Read, HostBase + 0x2000, group: 2)?.Kind);

        _checker.UnlinkGroup(Host, Group, Vm, Liobn);
        Assert.Equal(InvariantKind.Isolation, Dma(0x1000, DmaDirection.Read, HostBase + 0x2000)?.Kind);
    }

    [Fact]
    public void dma_outside_every_window_of_the_guest_is_an_isolation_violation()
    {
        Assert.Equal(InvariantKind.Isolation, Dma(0x40_0000, DmaDirection.Read, HostBase)?.Kind);
    }

    [Fact]
    public void a_faulted_dma_is_never_a_violation()
    {
        Put(0x1000, 0x2000 | RW);
        Put(0x1000, 0);
        Assert.Null(_checker.CheckDma(Host, 9, 0x1000, DmaDirection.Write, new DmaResult(DmaOutcome.Fault, 0)));
        Assert.Empty(_checker.Violations);
        Assert.Equal(1, _checker.DmasChecked);
    }
}
