using System.Diagnostics;
using Akka.Actor;
using Fabric.Batching;
using Fabric.Messages;

namespace Fabric.Hosting.Cluster;

/// <summary>
/// Stands in, on this node, for a host that runs somewhere in the cluster: wraps each message
/// in a <see cref="ToHost"/> for the shard region and keeps the sender, so the host answers the
/// caller directly. Only protocol messages go out; anything else is answered with a failure here.
/// With <c>batch</c> on, the hypercalls of every caller on this node that arrive while a batch
/// is being sent travel together as one <see cref="HcallBatch"/>, and their answers come back
/// together; each caller still gets its own <see cref="HcallResult"/> (or refusal) for each call.
/// </summary>
public sealed class HostRoute : UntypedActor, IWithTimers
{
    /// <summary>About 40 KB of calls: far below the transport's frame limit.</summary>
    public const int MaxBatch = 1024;

    private sealed record Flush
    {
        public static readonly Flush Instance = new();
    }

    private sealed record ForgetLostCalls
    {
        public static readonly ForgetLostCalls Instance = new();
    }

    private readonly string _host;
    private readonly IActorRef _region;
    private readonly bool _batch;
    private readonly Coalescer<RunHcall> _calls = new(MaxBatch);
    private readonly HcallTags<IActorRef> _tags = new();
    private readonly TimeSpan _forgetAfter;

    public HostRoute(string host, IActorRef region, bool batch)
    {
        _host = host;
        _region = region;
        _batch = batch;
        // Past twice the vCPU's own timeout an answer is not coming (its batch died with a node).
        _forgetAfter = 2 * Context.System.Settings.Config.GetTimeSpan("fabric.hcall-timeout", TimeSpan.FromSeconds(30));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string host, IActorRef region, bool batch = false) =>
        Akka.Actor.Props.Create(() => new HostRoute(host, region, batch));

    protected override void PreStart()
    {
        if (_batch) Timers.StartPeriodicTimer("forget", ForgetLostCalls.Instance, _forgetAfter);
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RunHcall r when _batch:
                if (_calls.Add(r with { Tag = _tags.Add(Sender, r.Tag, Stopwatch.GetTimestamp()) })) Self.Tell(Flush.Instance);
                if (_calls.Full) SendCalls();
                break;
            case Flush:
                SendCalls();
                break;
            case HcallResults answers:
                foreach (var a in answers.Results)
                    if (_tags.Take(a.Tag, out var caller, out var callerTag)) caller.Tell(a with { Tag = callerTag });
                break;
            case HcallRefused refused:
                if (_tags.Take(refused.Tag, out var refusedCaller, out _)) refusedCaller.Tell(refused.Reply);
                break;
            case ForgetLostCalls:
                _tags.Forget(Stopwatch.GetTimestamp() - (long)(_forgetAfter.TotalSeconds * Stopwatch.Frequency));
                break;
            case IFabricMessage m:
                // Calls already batched go first: a caller's messages reach the host in the order it sent them.
                SendCalls();
                _region.Forward(new ToHost(_host, m));
                break;
            default:
                Sender.Tell(new Status.Failure(new ArgumentException($"{message.GetType().Name} is not a Fabric message and cannot reach host {_host}")));
                break;
        }
    }

    private void SendCalls()
    {
        if (_calls.Count > 0) _region.Tell(new ToHost(_host, new HcallBatch(_calls.Drain())), Self);
    }
}
