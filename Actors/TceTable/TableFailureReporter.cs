using Akka.Actor;
using Fabric.Host;
using Fabric.Messages;

namespace Fabric.TceTable;

/// <summary>The reporter is done: the table may start again.</summary>
public sealed record TableFailureReported(ulong Liobn);

/// <summary>
/// Finishes what a failed table owed: kills every cache that may hold its cleared windows,
/// and only then tells the checker and answers the vCPUs, so no guest hears H_HARDWARE while a
/// device could still reach memory through the failed call's mapping. Like the table, it sends
/// again a kill unanswered after fabric.kill-retry and counts each kill's answer once.
/// </summary>
public sealed class TableFailureReporter : ReceiveActor, IWithTimers
{
    private sealed record Retry
    {
        public static readonly Retry Tick = new();
    }

    private readonly Dictionary<long, (int Group, TceKill Kill)> _waiting = new();

    public ITimerScheduler Timers { get; set; } = null!;

    public TableFailureReporter(TableFailed failed, HostMemory memory, IActorRef checker, IActorRef vm)
    {
        long token = 0;
        foreach (var range in failed.Cleared)
            foreach (var group in range.Table.Groups)
                if (memory.KillRegisters.TryGetValue(group, out var register))
                {
                    var kill = new TceKill(range.Table.Key, range.FirstEntry, range.Count, ++token);
                    _waiting[token] = (group, kill);
                    register.Tell(kill);
                }

        var finished = false;
        void Finish()
        {
            if (finished) return;
            finished = true;
            foreach (var owed in failed.Replies)
            {
                checker.Tell(owed.Failed ? new CallAbandoned(failed.Created.Vm, owed.Result.CallId) : new CallAcknowledged(failed.Created.Vm, owed.Result.CallId));
                owed.ReplyTo.Tell(owed.Result);
            }
            vm.Tell(new TableFailureReported(failed.Created.Liobn));
            Context.Stop(Self);
        }

        Receive<TceKilled>(k =>
        {
            if (_waiting.Remove(k.Token) && _waiting.Count == 0) Finish();
        });
        Receive<Retry>(_ =>
        {
            foreach (var (t, (group, kill)) in _waiting.ToArray())
                if (memory.KillRegisters.TryGetValue(group, out var register)) register.Tell(kill);
                else _waiting.Remove(t);
            if (_waiting.Count == 0) Finish();
        });
        if (_waiting.Count == 0) Finish();
        else
        {
            var every = Context.System.Settings.Config.GetTimeSpan("fabric.kill-retry", TimeSpan.FromMilliseconds(200));
            Timers.StartPeriodicTimer("retry", Retry.Tick, every);
        }
    }

    public static Props Props(TableFailed failed, HostMemory memory, IActorRef checker, IActorRef vm) =>
        Akka.Actor.Props.Create(() => new TableFailureReporter(failed, memory, checker, vm));
}
