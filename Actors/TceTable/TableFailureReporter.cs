using Akka.Actor;
using Fabric.Host;
using Fabric.Messages;

namespace Fabric.TceTable;

/// <summary>The reporter is done: the table may start again.</summary>
public sealed record TableFailureReported(ulong Liobn);

/// <summary>
/// Finishes what a failed table owed: kills every cache that may hold its cleared windows,
/// and only then tells the checker and answers the vCPUs, so no guest hears H_HARDWARE while a
/// device could still reach memory through the failed call's mapping.
/// </summary>
public sealed class TableFailureReporter : ReceiveActor
{
    private int _acksLeft;

    public TableFailureReporter(TableFailed failed, HostMemory memory, IActorRef checker, IActorRef vm)
    {
        foreach (var range in failed.Cleared)
            foreach (var group in range.Table.Groups)
                if (memory.KillRegisters.TryGetValue(group, out var kill))
                {
                    kill.Tell(new TceKill(range.Table.Key, range.FirstEntry, range.Count, 0));
                    _acksLeft++;
                }

        void Finish()
        {
            foreach (var owed in failed.Replies)
            {
                checker.Tell(owed.Failed ? new CallAbandoned(failed.Created.Vm, owed.Result.CallId) : new CallAcknowledged(failed.Created.Vm, owed.Result.CallId));
                owed.ReplyTo.Tell(owed.Result);
            }
            vm.Tell(new TableFailureReported(failed.Created.Liobn));
            Context.Stop(Self);
        }

        Receive<TceKilled>(_ =>
        {
            if (--_acksLeft == 0) Finish();
        });
        if (_acksLeft == 0) Finish();
    }

    public static Props Props(TableFailed failed, HostMemory memory, IActorRef checker, IActorRef vm) =>
        Akka.Actor.Props.Create(() => new TableFailureReporter(failed, memory, checker, vm));
}
