using Akka.Actor;
using Akka.Event;
using Fabric.Messages;

namespace Fabric.Invariants;

/// <summary>
/// Hosts the <see cref="InvariantChecker"/> of one host. Every violation is logged and
/// published on the event stream as it is found.
/// </summary>
public sealed class InvariantCheckerActor : ReceiveActor
{
    private readonly InvariantChecker _checker = new();

    public InvariantCheckerActor()
    {
        Receive<VmObserved>(o => _checker.AddVm(o.Vm, o.HostBase, o.RamBytes));
        Receive<TableObserved>(o => _checker.AddTable(o.Vm, o.Liobn, o.PageShift, o.Offset, o.Size));
        Receive<TableRemovedObserved>(o => _checker.RemoveTable(o.Vm, o.Liobn));
        Receive<GroupLinkObserved>(o =>
        {
            if (o.Linked) _checker.LinkGroup(o.Host, o.Group, o.Vm, o.Liobn);
            else _checker.UnlinkGroup(o.Host, o.Group, o.Vm, o.Liobn);
        });
        Receive<CallApplied>(o => _checker.CallApplied(o.Vm, o.Liobn, o.CallId, o.Call, o.Writes));
        Receive<CallAcknowledged>(o => _checker.CallAcknowledged(o.Vm, o.CallId));
        Receive<CallAbandoned>(o => _checker.CallAbandoned(o.Vm, o.CallId));
        Receive<ViewRestored>(o => _checker.ViewRestored(o.Vm, o.Liobn, o.Runs));
        Receive<DmaObserved>(o => Publish(_checker.CheckDma(o.Host, o.Group, o.Ioba, o.Direction, o.Result)));
        Receive<PasidMapObserved>(o => _checker.PasidMapped(o.Host, o.ParentGroup, o.Pasid, o.Hpa, o.Size));
        Receive<PasidDmaObserved>(o => Publish(_checker.CheckPasidDma(o.Host, o.ParentGroup, o.Pasid, o.Iova, o.Direction, o.Result)));
        Receive<GuestPeObserved>(o => _checker.GuestPeDefined(o.Host, o.Vm, o.Id, o.Groups));
        Receive<PeEehObserved>(o => _checker.PeEeh(o.Host, o.Group, o.State, o.BySiblings));
        Receive<GuestPeSettled>(o => Publish(_checker.GuestPeSettled(o.Host, o.Vm, o.Id, o.After)));
        Receive<IoasChangeObserved>(o => _checker.IoasChanged(o.Host, o.Change));
        Receive<IoasDmaObserved>(o => Publish(_checker.CheckIoasDma(o.Host, o.Group, o.Iova, o.Direction, o.Result, o.Ioas, o.Generation)));
        Receive<GetInvariantReport>(_ =>
            Sender.Tell(new InvariantReport([.. _checker.Violations], _checker.DmasChecked, _checker.CallsAcknowledged)));
    }

    private void Publish(InvariantViolation? v)
    {
        if (v is null) return;
        // Every front end reports violations itself (the trace's `!` lines, the invariant report,
        // the event stream); at Info the log keeps a record without printing each one twice.
        Context.GetLogger().Info("{0}", v);
        Context.System.EventStream.Publish(v);
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new InvariantCheckerActor());
}
