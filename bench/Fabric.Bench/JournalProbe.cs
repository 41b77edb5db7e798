using System.Diagnostics;
using Akka.Actor;
using Akka.Persistence;
using Fabric.Messages;

namespace Fabric.Bench;

/// <summary>Persists one small event at a time and reports the journal's round trip.</summary>
public sealed class JournalProbe : ReceivePersistentActor
{
    public JournalProbe(int writes, TaskCompletionSource<double> done)
    {
        PersistenceId = "bench/journal-probe/" + Guid.NewGuid().ToString("N");
        var sw = new Stopwatch();
        var n = 0;
        void Next()
        {
            if (n++ == writes)
            {
                done.TrySetResult(sw.Elapsed.TotalMilliseconds / writes);
                return;
            }
            PersistAsync(new CallAcknowledged("probe", n), _ => Next());
        }
        Command<string>(_ => { sw.Start(); Next(); });
    }

    public override string PersistenceId { get; }
}

public static class JournalRoundTrip
{
    public static async Task<double> MillisecondsPerWrite(ActorSystem system, int writes)
    {
        var done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new JournalProbe(writes, done))).Tell("go");
        return await done.Task;
    }
}
