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

/// <summary>Events and snapshots go to one SQLite file in fabric's format and come back from it.</summary>
public sealed class SqliteJournalTests : Akka.TestKit.Xunit2.TestKit
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    const string Pid = "tce/host0/vm0/0x80000001";

    readonly string _dir;
    readonly string _file;

    public SqliteJournalTests() : this(Directory.CreateTempSubdirectory("fabric-journal-").FullName) { }

    SqliteJournalTests(string dir) : base(FabricConfig.Build(JournalKind.Sqlite, Path.Combine(dir, "fabric.db")), "writer")
    {
        _dir = dir;
        _file = Path.Combine(dir, "fabric.db");
    }

    static HcallHandled SampleEvent() => new(
        CallId: 42,
        Call: new HPutTceIndirect(0x8000_0001, 0x1000, 0x7f00_0000, 3),
        Ret: HcallReturn.Success,
        R4: 0,
        AnsweredBy: HcallHandler.Kvm,
        Writes: [new TceRunWritten(1, [0x1000_0003, 0x2000_0001, 0x3000_0002]), new TceRunStuffed(4, 0, 2)]);

    [Fact]
    public void Events_and_snapshots_are_written_by_the_fabric_serializer_and_recovered_by_another_system()
    {
        var handled = SampleEvent();
        var created = new TceTableCreated("vm0", 0x8000_0001, 12, 0, 1UL << 30, InKernel: true, InUserspace: true);

        var writer = Sys.ActorOf(Props.Create(() => new Recorder(Pid)));
        writer.Tell(created);
        ExpectMsg<TceTableCreated>(Wait);
        writer.Tell(new Recorder.Snap());
        ExpectMsg(Recorder.Snapshotted, Wait);
        writer.Tell(handled);
        ExpectMsg<HcallHandled>(Wait);
        Shutdown(Sys, Wait, verifySystemShutdown: true);

        // The rows carry fabric's serializer id, not the JSON default the SQL plugin falls back to.
        Assert.Equal([FabricHyperionSerializer.Id, FabricHyperionSerializer.Id], Query("SELECT identifier FROM journal WHERE persistence_id = $pid ORDER BY sequence_number"));
        Assert.Equal([FabricHyperionSerializer.Id], Query("SELECT serializer_id FROM snapshot WHERE persistence_id = $pid"));

        var reader = ActorSystem.Create("reader", FabricConfig.Build(JournalKind.Sqlite, _file));
        try
        {
            var probe = CreateTestProbe(reader);
            reader.ActorOf(Props.Create(() => new Recorder(Pid))).Tell(new Recorder.Dump(), probe);
            var state = probe.ExpectMsg<Recorder.State>(Wait);

            // Recovery: the snapshot (taken after the first event), then the event after it.
            Assert.Equal(created, state.Snapshot);
            var recovered = Assert.Single(state.Events);
            Samples.AssertDeepEqual(handled, recovered);
        }
        finally
        {
            Shutdown(reader, Wait, verifySystemShutdown: true);
        }
    }

    long[] Query(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _file, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$pid", Pid);
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
