using Fabric.Persistence;
using Akka.Actor;
using Akka.Persistence;
using Fabric.Container;
using Fabric.Host;
using Fabric.KillRegister;
using Fabric.Messages;

namespace Fabric.HostPe;

/// <summary>The PE's group now uses these hardware windows, none when it left its container (local: carries host memory).</summary>
public sealed record AttachWindows(HardwareTceTable[] Windows);

/// <summary>The PE's journal refused a write and Akka is stopping it: hold its DMAs until it is back.</summary>
public sealed record PeStopping(int Group);

/// <summary>
/// One host PE (an IOMMU group): its DMA engine, its TCE cache and, as a child, its kill
/// register. Ownership is journaled under the physical PE's name (pe/&lt;host&gt;/&lt;phb&gt;.&lt;pe&gt;),
/// not the actor path, so it survives a move.
/// </summary>
public sealed class HostPeActor : ReceivePersistentActor
{
    private readonly string _host;
    private readonly int _group;
    private readonly IActorRef _checker;
    private readonly DurabilityMode _durability;
    private readonly TceCache _cache = new();
    private HardwareTceTable[] _windows = [];
    private string? _owner;
    private readonly Queue<(IActorRef ReplyTo, DmaResult Result)> _unjournaledDmas = new();

    private readonly HostMemory _memory;

    public HostPeActor(HostMemory memory, int group, int phb, IActorRef checker, DurabilityMode durability)
    {
        _memory = memory;
        var host = memory.Host;
        _host = host;
        _group = group;
        _checker = checker;
        _durability = durability;
        PersistenceId = $"pe/{host}/{phb}.{group}";

        Recover<PeOwnerChanged>(e => _owner = e.Vm);
        Recover<DmaCompleted>(_ => { });

        Command<InvalidateTceCache>(k =>
        {
            _cache.Invalidate(k.Table, k.FirstEntry, k.Count);
            Sender.Tell(new TceKilled(_group, k.Token));
        });
        Command<DeviceDma>(OnDma);
        Command<AttachWindows>(a =>
        {
            // Changing tables invalidates the whole TCE cache (pnv_pci_ioda2_tce_invalidate_pe).
            _windows = a.Windows;
            _cache.InvalidateAll();
        });
        Command<PeOwnerChanged>(e =>
        {
            if (e.Vm == _owner) return;
            if (_durability == DurabilityMode.Off) _owner = e.Vm;
            else Persist(e, ev => _owner = ev.Vm);
        });
    }

    public override string PersistenceId { get; }

    public static Props Props(HostMemory memory, int group, int phb, IActorRef checker, DurabilityMode durability) =>
        Akka.Actor.Props.Create(() => new HostPeActor(memory, group, phb, checker, durability));

    protected override void PreStart()
    {
        var kill = Context.ActorOf(KillRegisterActor.Props(_cache.Slots), "kill");
        _memory.KillRegisters[_group] = kill;
        base.PreStart();
    }

    private void OnDma(DeviceDma d)
    {
        if (_durability == DurabilityMode.Off)
        {
            var unrecorded = DmaEngine.Translate(_windows, _cache, d.Ioba, d.Direction);
            _checker.Tell(new DmaObserved(_host, _group, d.Ioba, d.Direction, unrecorded));
            Sender.Tell(unrecorded);
            return;
        }
        // Acked-through before the translation, applied-through after: the record brackets every
        // call that could have been in flight while the DMA used the table (TableProgress).
        var writers = DmaEngine.WindowOf(_windows, d.Ioba)?.Writers ?? [];
        var acked = new long[writers.Length];
        for (var i = 0; i < acked.Length; i++) acked[i] = writers[i].AckedThrough;
        var result = DmaEngine.Translate(_windows, _cache, d.Ioba, d.Direction);
        _checker.Tell(new DmaObserved(_host, _group, d.Ioba, d.Direction, result));
        var views = new DmaView[writers.Length];
        for (var i = 0; i < views.Length; i++) views[i] = new DmaView(writers[i].Vm, writers[i].Liobn, acked[i], writers[i].AppliedThrough);
        _unjournaledDmas.Enqueue((Sender, result));
        PersistAsync(new DmaCompleted(_host, _group, d.Ioba, d.Direction, result.Outcome, result.Hpa, views), _ =>
        {
            var (replyTo, done) = _unjournaledDmas.Dequeue();
            replyTo.Tell(done);
        });
    }

    /// <summary>
    /// The DMAs happened whether or not their record reached the journal: answer them all before
    /// Akka stops this actor; the host starts it again (its owner comes back from the journal).
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistFailure(cause, @event, sequenceNr);
        Context.Parent.Tell(new PeStopping(_group));
        while (_unjournaledDmas.TryDequeue(out var pending)) pending.ReplyTo.Tell(pending.Result);
    }
}
