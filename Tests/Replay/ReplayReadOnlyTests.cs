using Fabric.Hosting.Replay;
using Fabric.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests.Replay;

/// <summary>Replay never writes to the journal it reads.</summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplayReadOnlyTests(ReplayFixture fixture)
{
    [Fact]
    public async Task The_journal_file_is_byte_identical_after_replays_and_exports_and_gains_no_side_files()
    {
        var journal = fixture.Copy(await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "quickstart.trace")));
        var before = ReplayFixture.Fingerprint(journal);
        Assert.Equal([Path.GetFileName(journal)], before.Keys);

        Assert.Equal(0, (await fixture.Replay(journal)).Exit);
        Assert.Equal(0, (await fixture.Replay(journal, new ReplayOptions { Until = ReplayLimit.AtOrdering(5), SkipBad = true }, fixture.NewFile("x.trace"))).Exit);
        Assert.Equal(0, (await fixture.Replay(journal, new ReplayOptions { Parallelism = 1 })).Exit);

        Assert.Equal(before, ReplayFixture.Fingerprint(journal));
    }

    [Fact]
    public async Task A_journal_whose_writer_is_still_open_is_read_with_its_log_and_left_as_it_was()
    {
        var journal = fixture.Copy(await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "quickstart.trace")));
        using var writer = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journal, Pooling = false }.ToString());
        writer.Open();
        using (var insert = writer.CreateCommand())
        {
            // Committed to the write-ahead log, not yet to the file: only a reader of the log sees it.
            insert.CommandText = """
                PRAGMA journal_mode=WAL;
                PRAGMA wal_autocheckpoint=0;
                INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, identifier) VALUES (0, 0, 'other/x', 1, X'00', 1);
                """;
            insert.ExecuteNonQuery();
        }
        Assert.True(File.Exists(journal + "-wal"));
        var db = File.ReadAllBytes(journal);
        var wal = File.ReadAllBytes(journal + "-wal");

        var run = await fixture.Replay(journal);

        Assert.True(run.Exit == 0, run.Err);
        Assert.Matches(@"^rows 1\.\.25: 25 rows, 24 events, 0 deleted, 1 of other streams$", run.OutLines[1]);
        Assert.Equal(db, File.ReadAllBytes(journal));
        Assert.Equal(wal, File.ReadAllBytes(journal + "-wal"));
    }
}
