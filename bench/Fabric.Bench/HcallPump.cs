using Akka.Actor;
using Fabric.Messages;

namespace Fabric.Bench;

/// <summary>Start pumping: make Count hypercalls through one vCPU, one after another.</summary>
public sealed record Pump(IActorRef Vcpu, Func<long, IHypercall> Call, long Count, TaskCompletionSource<long> Done);

/// <summary>
/// Plays a guest's driver on one vCPU: as soon as a call returns it makes the next one, so a
/// vCPU always has exactly one call in the hypervisor, as a real one does.
/// </summary>
public sealed class HcallPump : ReceiveActor
{
    private Pump? _pump;
    private long _issued;
    private long _failed;
    private RunHcall? _next;

    public HcallPump()
    {
        Receive<Pump>(p =>
        {
            _pump = p;
            Issue();
        });
        Receive<HcallResult>(r =>
        {
            if (r.Ret != HcallReturn.Success) _failed++;
            if (_issued < _pump!.Count) Issue();
            else _pump.Done.TrySetResult(_failed);
        });
    }

    private void Issue()
    {
        _next = new RunHcall("", 0, _pump!.Call(_issued++));
        _pump.Vcpu.Tell(_next);
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new HcallPump());
}
