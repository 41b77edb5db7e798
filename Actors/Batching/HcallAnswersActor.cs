using Akka.Actor;
using Fabric.Messages;

namespace Fabric.Batching;

/// <summary>
/// The answers a host owes one remote sender of <see cref="HcallBatch"/>es: the vCPUs answer
/// the calls of a batch to this actor (each with its call's tag) and it sends them on
/// together, in the order they came, as <see cref="HcallResults"/>. A vCPU answers only when
/// its table has (after the kills are acknowledged and, in strict durability, the call is
/// journaled), so batching the answers changes when they travel, not what they promise.
/// Stops when the sender is gone.
/// </summary>
public sealed class HcallAnswersActor : ReceiveActor
{
    /// <summary>About 40 KB of answers: far below the transport's frame limit.</summary>
    public const int MaxBatch = 1024;

    private sealed record Flush
    {
        public static readonly Flush Instance = new();
    }

    public HcallAnswersActor(IActorRef sender)
    {
        var answers = new Coalescer<HcallResult>(MaxBatch);
        Context.Watch(sender);
        Receive<HcallResult>(r =>
        {
            if (answers.Add(r)) Self.Tell(Flush.Instance);
            if (answers.Full) Send();
        });
        Receive<Flush>(_ => Send());
        Receive<HcallRefused>(r =>
        {
            Send();
            sender.Tell(r);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(sender), _ => Context.Stop(Self));

        void Send()
        {
            if (answers.Count > 0) sender.Tell(new HcallResults(answers.Drain()));
        }
    }

    public static Props Props(IActorRef sender) => Akka.Actor.Props.Create(() => new HcallAnswersActor(sender));
}
