using Akka.Actor;
using Fabric.Messages;

namespace Fabric.Vcpu;

/// <summary>
/// A guest vCPU: it makes one hypercall at a time, as a real vCPU is stopped in the
/// hypervisor until the call returns; further requests wait their turn.
/// </summary>
public sealed class VcpuActor : ReceiveActor, IWithUnboundedStash
{
    private readonly IActorRef _router;
    private readonly long _callIdBase;
    private long _seq;
    private IActorRef _caller = ActorRefs.Nobody;
    private long _inFlight;

    public VcpuActor(int index, IActorRef router)
    {
        _router = router;
        // Call ids are unique per VM: the vCPU number in the high bits.
        _callIdBase = (long)(index + 1) << 40;
        Idle();
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(int index, IActorRef router) => Akka.Actor.Props.Create(() => new VcpuActor(index, router));

    private void Idle()
    {
        Receive<RunHcall>(r =>
        {
            _caller = Sender;
            _inFlight = _callIdBase + ++_seq;
            _router.Tell(new Hcall(_inFlight, r.Call));
            Become(InHypervisor);
        });
    }

    private void InHypervisor()
    {
        Receive<HcallResult>(res =>
        {
            if (res.CallId != _inFlight) return;
            _caller.Tell(res);
            _caller = ActorRefs.Nobody;
            Stash.UnstashAll();
            Become(Idle);
        });
        Receive<RunHcall>(_ => Stash.Stash());
    }
}
