using Akka.Actor;
using Fabric.Hosting.Cluster;
using Fabric.Messages;

namespace Fabric.Bench;

/// <summary>The calls a <see cref="PipelinedCaller"/> made and how long they took.</summary>
public sealed record PipelineDone(long Calls, long Failed, TimeSpan Elapsed);

/// <summary>
/// Keeps every vCPU of the mapping workload's VM busy with H_PUT_TCE, each sending its next
/// call when its answer comes: as many calls in flight as vCPUs, no task or temporary actor
/// per call, so what is measured is the fabric and the wire rather than the caller.
/// </summary>
public sealed class PipelinedCaller : ReceiveActor
{
    public sealed record Start;

    public PipelinedCaller(IActorRef host, int vcpus, long calls, IActorRef reportTo)
    {
        var next = new long[vcpus];
        long done = 0, failed = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Receive<Start>(_ =>
        {
            clock.Restart();
            for (var v = 0; v < vcpus; v++) Send(v);
        });
        Receive<HcallResult>(r =>
        {
            if (r.Ret != HcallReturn.Success) failed++;
            // The vCPU is in the call id's high bits (VcpuActor numbers calls per VM that way).
            var v = (int)((r.CallId >> 40) - 1);
            if (++done == calls) reportTo.Tell(new PipelineDone(done, failed, clock.Elapsed));
            else if (next[v] * vcpus + v < calls) Send(v);
        });
        Receive<SetupResult>(r => reportTo.Tell(new Status.Failure(new InvalidOperationException(r.ToString()))));

        void Send(int v) => host.Tell(new RunHcall(MappingWorkload.Vm, v, MappingWorkload.Call(next[v]++ * vcpus + v)));
    }
}

/// <summary>Runs a <see cref="PipelinedCaller"/> to the end.</summary>
public static class PipelinedCalls
{
    public static async Task<PipelineDone> Run(ActorSystem system, IActorRef host, int vcpus, long calls)
    {
        var inbox = Inbox.Create(system);
        var caller = system.ActorOf(Props.Create(() => new PipelinedCaller(host, vcpus, calls, inbox.Receiver)));
        caller.Tell(new PipelinedCaller.Start());
        var done = await inbox.ReceiveAsync(TimeSpan.FromMinutes(5));
        system.Stop(caller);
        return done is PipelineDone d ? d : throw ((Status.Failure)done).Cause;
    }
}
