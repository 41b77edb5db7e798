using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Fabric.Hosting;

/// <summary>
/// The read side of the SQL journal (Akka.Persistence.Query): the events of one tag (hcall,
/// dma, topology) in journal order, for projections and reports that follow a live fabric.
/// </summary>
public static class ReadSide
{
    public static SqlReadJournal Journal(ActorSystem system) =>
        PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);

    /// <summary>Every event with the tag so far, oldest first.</summary>
    public static Task<IReadOnlyList<EventEnvelope>> CurrentByTag(ActorSystem system, string tag) =>
        Journal(system).CurrentEventsByTag(tag, Offset.NoOffset())
            .RunAggregate(new List<EventEnvelope>(), (list, e) => { list.Add(e); return list; }, system.Materializer())
            .ContinueWith(t => (IReadOnlyList<EventEnvelope>)t.Result, TaskScheduler.Default);
}
