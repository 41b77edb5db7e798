using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;

namespace Fabric.Persistence;

/// <summary>The writes this journal fails from now on, none when null (local: carries the generator).</summary>
public sealed record UseJournalFaults(JournalFaults? Faults);

/// <summary>Why an injected journal fault refused a write.</summary>
public sealed class InjectedJournalFault(string message) : Exception(message);

/// <summary>
/// A journal plugin in front of the run's real journal (<c>fabric.journal</c>'s plugin), for
/// `fabric run`'s journal-fail fault: every message goes through to the real journal, except a
/// write the fault picks, which it answers itself as the real journal answers a write that
/// failed (WriteMessagesFailed, then WriteMessageFailure for each event) or whose events it
/// rejected (WriteMessageRejected for each, then WriteMessagesSuccessful). Nothing of such a write
/// reaches the journal. A persistent actor has one write in flight at a time, so answering here
/// keeps its answers in order. Configured by ScenarioConfig when a scenario has the fault.
/// </summary>
public sealed class FaultyJournal : ReceiveActor
{
    /// <summary>The plugin id ScenarioConfig registers this journal under.</summary>
    public const string PluginId = "akka.persistence.journal.fabric-faulty";

    private JournalFaults? _faults;

    public FaultyJournal(Config config)
    {
        _ = config;
        var system = Context.System;
        var target = FabricConfig.Journal(system.Settings.Config) == JournalKind.Memory
            ? "akka.persistence.journal.inmem"
            : "akka.persistence.journal.sql";
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(target);

        Receive<UseJournalFaults>(u => _faults = u.Faults);
        Receive<WriteMessages>(w =>
        {
            // A write that also carries deferred handlers (Defer, no events) goes through whole.
            var fate = _faults is { } faults && w.Messages.All(m => m is AtomicWrite) && FirstPersistenceId(w) is { } id
                ? faults.Next(id)
                : JournalFate.Written;
            if (fate == JournalFate.Written) journal.Forward(w);
            else Refuse(w, fate);
        });
        ReceiveAny(m => journal.Forward(m));
    }

    private static string? FirstPersistenceId(WriteMessages w) =>
        w.Messages.OfType<AtomicWrite>().Select(a => a.PersistenceId).FirstOrDefault();

    /// <summary>Answers a write as AsyncWriteJournal answers one that failed or was rejected.</summary>
    private static void Refuse(WriteMessages w, JournalFate fate)
    {
        var writes = w.Messages.OfType<AtomicWrite>().Count();
        var cause = new InjectedJournalFault(fate == JournalFate.Failed
            ? "journal write failed (fabric run's journal-fail fault)"
            : "journal write rejected (fabric run's journal-fail fault)");
        // A rejection's per-event answers go first: on WriteMessagesSuccessful Akka sends the
        // actor's next batch at once, and with the rejected events never written that batch
        // would leave a gap in the stream (fabric replay stops at one). Told of the rejection
        // first, a table or PE stops before it can send more.
        if (fate == JournalFate.Failed) w.PersistentActor.Tell(new WriteMessagesFailed(cause, writes));
        foreach (var a in w.Messages.Cast<AtomicWrite>())
            foreach (var p in (IEnumerable<IPersistentRepresentation>)a.Payload)
                w.PersistentActor.Tell(fate == JournalFate.Failed
                    ? new WriteMessageFailure(p, cause, w.ActorInstanceId)
                    : new WriteMessageRejected(p, cause, w.ActorInstanceId), p.Sender);
        if (fate == JournalFate.Rejected) w.PersistentActor.Tell(WriteMessagesSuccessful.Instance);
    }
}
