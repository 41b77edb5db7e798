using Akka.Actor;
using Akka.Persistence;
using Fabric.Messages;
using Fabric.Persistence;
using Fabric.Serialization;
using Fabric.Tests.Serialization;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Fabric.Tests.Persistence;

/// <summary>Test-only: persists what it is sent, snapshots on request, answers with what it holds.</summary>
sealed class Recorder : ReceivePersistentActor
{
    public sealed record Snap;
    public sealed record Dump;
    public sealed record State(IFabricMessage? Snapshot, IReadOnlyList<IFabricEvent> Events);

    readonly List<IFabricEvent> _events = [];
    IFabricMessage? _snapshot;
    IActorRef? _snapshotRequester;

    public override string PersistenceId { get; }

    public Recorder(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<SnapshotOffer>(o => _snapshot = (IFabricMessage)o.Snapshot);
        Recover<IFabricEvent>(_events.Add);
        Command<IFabricEvent>(e => Persist(e, persisted =>
        {
            _events.Add(persisted);
            Sender.Tell(persisted);
        }));
        Command<Snap>(_ =>
        {
            _snapshotRequester = Sender;
            SaveSnapshot(_events[^1]);
        });
        Command<SaveSnapshotSuccess>(_ => _snapshotRequester?.Tell(Snapshotted));
        Command<SaveSnapshotFailure>(f => _snapshotRequester?.Tell(new Status.Failure(f.Cause)));
        Command<Dump>(_ => Sender.Tell(new State(_snapshot, _events.ToArray())));
    }

    public const string Snapshotted = "snapshotted";
}

/// <summary>
/// The round trip both SQL journals must make: a writer system persists an event, a snapshot
/// and another event; the rows carry fabric's serializer id; a second system recovers them.
/// </summary>
static class JournalRoundTrip
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    public const string Pid = "tce/host0/vm0/0x80000001";

    static HcallHandled SampleEvent() => new(
        CallId: 42,
        Call: new HPutTceIndirect(0x8000_0001, 0x1000, 0x7f00_0000, 3),
        Ret: HcallReturn.Success,
        R4: 0,
        AnsweredBy: HcallHandler.Kvm,
        Writes: [new TceRunWritten(1, [0x1000_0003, 0x2000_0001, 0x3000_0002]), new TceRunStuffed(4, 0, 2)]);

    /// <param name="writer">the test kit, whose system writes (shut down here)</param>
    /// <param name="query">runs SQL with parameter @pid on the journal's database; answers column 0 of each row</param>
    /// <param name="readerConfig">the same journal, for a second system</param>
    /// <param name="shutdown">the test kit's Shutdown(system, Wait, verifySystemShutdown: true)</param>
    public static void Run(Akka.TestKit.Xunit2.TestKit writer, Func<string, long[]> query, Akka.Configuration.Config readerConfig, Action<ActorSystem> shutdown)
    {
        var handled = SampleEvent();
        var created = new TceTableCreated("vm0", 0x8000_0001, 12, 0, 1UL << 30, InKernel: true, InUserspace: true);

        var recorder = writer.Sys.ActorOf(Props.Create(() => new Recorder(Pid)));
        recorder.Tell(created, writer.TestActor);
        writer.ExpectMsg<TceTableCreated>(Wait);
        recorder.Tell(new Recorder.Snap(), writer.TestActor);
        writer.ExpectMsg(Recorder.Snapshotted, Wait);
        recorder.Tell(handled, writer.TestActor);
        writer.ExpectMsg<HcallHandled>(Wait);
        shutdown(writer.Sys);

        // The rows carry fabric's serializer id, not the JSON default the SQL plugin falls back to.
        Assert.Equal([FabricHyperionSerializer.Id, FabricHyperionSerializer.Id], query("SELECT identifier FROM journal WHERE persistence_id = @pid ORDER BY sequence_number"));
        Assert.Equal([FabricHyperionSerializer.Id], query("SELECT serializer_id FROM snapshot WHERE persistence_id = @pid"));

        var reader = ActorSystem.Create("reader", readerConfig);
        try
        {
            var probe = writer.CreateTestProbe(reader);
            reader.ActorOf(Props.Create(() => new Recorder(Pid))).Tell(new Recorder.Dump(), probe);
            var state = probe.ExpectMsg<Recorder.State>(Wait);

            // Recovery: the snapshot (taken after the first event), then the event after it.
            Assert.Equal(created, state.Snapshot);
            var recovered = Assert.Single(state.Events);
            Samples.AssertDeepEqual(handled, recovered);
        }
        finally
        {
            shutdown(reader);
        }
    }
}

/// <summary>Events and snapshots go to one SQLite file in fabric's format and come back from it.</summary>
public sealed class SqliteJournalTests : Akka.TestKit.Xunit2.TestKit
{
    readonly string _dir;
    readonly string _file;

    public SqliteJournalTests() : this(Directory.CreateTempSubdirectory("fabric-journal-").FullName) { }

    SqliteJournalTests(string dir) : base(FabricConfig.Build(JournalKind.Sqlite, Path.Combine(dir, "fabric.db")), "writer")
    {
        _dir = dir;
        _file = Path.Combine(dir, "fabric.db");
    }

    [Fact]
    public void Events_and_snapshots_are_written_by_the_fabric_serializer_and_recovered_by_another_system() =>
        JournalRoundTrip.Run(this, Query, FabricConfig.Build(JournalKind.Sqlite, _file),
            system => Shutdown(system, JournalRoundTrip.Wait, verifySystemShutdown: true));

    long[] Query(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _file, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("@pid", JournalRoundTrip.Pid);
        using var rows = command.ExecuteReader();
        var ids = new List<long>();
        while (rows.Read()) ids.Add(rows.GetInt64(0));
        return [.. ids];
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        // Pooled connections would keep the file open (and undeletable on Windows).
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
