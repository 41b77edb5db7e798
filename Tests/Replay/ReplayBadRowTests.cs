using Fabric.Hosting.Replay;
using Fabric.Messages;
using Fabric.Tests.Support;
using Hyperion;

namespace Fabric.Tests.Replay;

/// <summary>
/// A damaged journal: each kind of bad row stops replay with exit 2 and an error naming the row,
/// its persistence id and sequence number, and the fix (--skip-bad); with --skip-bad they are
/// skipped and counted. Every test damages its own copy of the quickstart journal.
/// </summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplayBadRowTests(ReplayFixture fixture)
{
    // The quickstart journal's H_GET_TCE, and PE 1's and PE 2's DMAs: no state depends on them.
    private const string GetTce = "tce/h0/g/0x80000100";
    private const string Pe1 = "pe/h0/0.1";
    private const string Pe2 = "pe/h0/0.2";

    private async Task<string> Copy() =>
        fixture.Copy(await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "quickstart.trace")));

    private static void Garbage(string journal, string pid, long seq) =>
        ReplayFixture.Change(journal, "UPDATE journal SET message = $m WHERE persistence_id = $pid AND sequence_number = $seq",
            ("$m", new byte[] { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02 }), ("$pid", pid), ("$seq", seq));

    private static void Delete(string journal, string pid, long seq) =>
        ReplayFixture.Change(journal, "DELETE FROM journal WHERE persistence_id = $pid AND sequence_number = $seq", ("$pid", pid), ("$seq", seq));

    private static void Serializer(string journal, string pid, long seq, int id) =>
        ReplayFixture.Change(journal, "UPDATE journal SET identifier = $id WHERE persistence_id = $pid AND sequence_number = $seq",
            ("$id", id), ("$pid", pid), ("$seq", seq));

    /// <summary>A type outside the allow-list, written by Hyperion without Fabric's filter, as a tampered row would hold.</summary>
    private static void Foreign(string journal, string pid, long seq)
    {
        using var ms = new MemoryStream();
        new Hyperion.Serializer(new SerializerOptions(
                versionTolerance: false, preserveObjectReferences: false, surrogates: null, serializerFactories: null,
                knownTypes: null, ignoreISerializable: true, packageNameOverrides: null, disallowUnsafeTypes: false,
                typeFilter: DisabledTypeFilter.Instance))
            .Serialize(new Serialization.Foreign("rm -rf /"), ms);
        ReplayFixture.Change(journal, "UPDATE journal SET message = $m WHERE persistence_id = $pid AND sequence_number = $seq",
            ("$m", ms.ToArray()), ("$pid", pid), ("$seq", seq));
    }

    /// <summary>A protocol type, but not an event: what a reply or a checker observation would be.</summary>
    private void NotAnEvent(string journal, string pid, long seq)
    {
        var bytes = fixture.Decoder.Encode(new CallAcknowledged("g", 7));
        ReplayFixture.Change(journal, "UPDATE journal SET message = $m WHERE persistence_id = $pid AND sequence_number = $seq",
            ("$m", bytes), ("$pid", pid), ("$seq", seq));
    }

    private async Task AssertStopsAt(string journal, string pid, long seq, string what)
    {
        var ordering = ReplayFixture.Ordering(journal, pid, seq);
        var run = await fixture.Replay(journal);

        Assert.Equal(ReplayExit.Malformed, run.Exit);
        Assert.Equal("", run.Out);
        var error = Assert.Single(OutputDiff.Lines(run.Err));
        Assert.StartsWith($"{journal}: row {ordering} ({pid} #{seq}): {what}", error);
        Assert.EndsWith("run again with --skip-bad to skip such rows and replay the rest (they are counted in the summary)", error);
    }

    [Fact]
    public async Task A_row_that_cannot_be_deserialised_stops_replay_with_exit_2()
    {
        var journal = await Copy();
        Garbage(journal, GetTce, 2);

        await AssertStopsAt(journal, GetTce, 2, "its message (7 bytes) cannot be deserialised: ");
    }

    [Fact]
    public async Task A_gap_in_a_streams_sequence_numbers_stops_replay_at_the_row_after_it()
    {
        var journal = await Copy();
        Delete(journal, Pe1, 2);

        await AssertStopsAt(journal, Pe1, 3, "a gap: pe/h0/0.1 jumps from #1 to #3, so event #2 is missing");
    }

    [Fact]
    public async Task A_stream_that_does_not_start_at_1_is_a_gap_too()
    {
        var journal = await Copy();
        Delete(journal, Pe2, 1);

        await AssertStopsAt(journal, Pe2, 2, "a gap: pe/h0/0.2 starts at #2, so event #1 is missing");
    }

    [Fact]
    public async Task A_row_of_an_unknown_serializer_stops_replay()
    {
        var journal = await Copy();
        Serializer(journal, Pe2, 2, 99);

        await AssertStopsAt(journal, Pe2, 2, "it was written by serializer id 99, which Fabric does not read (Fabric's events are written by serializer id 4711, FabricHyperionSerializer)");
    }

    [Fact]
    public async Task A_row_naming_a_type_outside_the_allow_list_stops_replay()
    {
        var journal = await Copy();
        Foreign(journal, Pe2, 3);

        await AssertStopsAt(journal, Pe2, 3, "its message names a type outside the serializer's allow-list");
    }

    [Fact]
    public async Task A_protocol_message_that_is_not_an_event_stops_replay()
    {
        var journal = await Copy();
        NotAnEvent(journal, Pe1, 3);

        await AssertStopsAt(journal, Pe1, 3, "it holds a CallAcknowledged, which is not a journaled event");
    }

    [Fact]
    public async Task With_skip_bad_every_bad_row_is_skipped_counted_and_listed()
    {
        var journal = await Copy();
        Garbage(journal, GetTce, 2);
        Delete(journal, Pe1, 2);
        Serializer(journal, Pe2, 2, 99);
        Foreign(journal, Pe2, 3);

        var run = await fixture.Replay(journal, new ReplayOptions { SkipBad = true });

        Assert.True(run.Exit == 0, run.Err);
        Assert.Equal("", run.Err);
        Assert.Contains("bad rows skipped 4: undeserialisable=1 unknown serializer=1 type not allowed=1 gap=1 (events missing in gaps: 1)", run.OutLines);
        Assert.Equal(4, run.OutLines.Count(l => l.StartsWith("  skipped row ")));
        Assert.Contains($"  skipped row {ReplayFixture.Ordering(journal, Pe1, 3)} (pe/h0/0.1 #3): a gap: pe/h0/0.1 jumps from #1 to #3, so event #2 is missing", run.OutLines);
        // The row after the gap is good and replayed: PE 1's last DMA, the only DMA left.
        Assert.Contains("dmas 1: ok=0 fault=1 frozen=0", run.OutLines);
        Assert.Contains("    calls H_PUT_TCE ret=0 (H_SUCCESS): 3", run.OutLines);
        Assert.DoesNotContain(run.OutLines, l => l.Contains("H_GET_TCE"));
    }

    [Fact]
    public async Task A_deleted_row_is_passed_over_without_a_gap()
    {
        var journal = await Copy();
        ReplayFixture.Change(journal, "UPDATE journal SET deleted = 1, message = X'00' WHERE persistence_id = $pid AND sequence_number = 2", ("$pid", Pe1));

        var run = await fixture.Replay(journal);

        Assert.True(run.Exit == 0, run.Err);
        Assert.Matches(@"^rows 1\.\.24: 24 rows, 23 events, 1 deleted, 0 of other streams$", run.OutLines[1]);
        Assert.Contains("  pe 0.1 owner=g eeh=normal dma ok=0 fault=1 frozen=0", run.OutLines);
    }

    [Fact]
    public async Task Rows_of_streams_that_are_not_Fabrics_are_counted_and_passed_over()
    {
        var journal = await Copy();
        ReplayFixture.Change(journal, """
            INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, identifier)
            VALUES (0, 0, '/system/sharding/x', 1, X'0102', 1)
            """);

        var run = await fixture.Replay(journal);

        Assert.True(run.Exit == 0, run.Err);
        Assert.Matches(@"^rows 1\.\.25: 25 rows, 24 events, 0 deleted, 1 of other streams$", run.OutLines[1]);
    }

    [Fact]
    public async Task An_event_that_refers_to_a_table_never_created_is_inconsistent()
    {
        var journal = await Copy();
        // The first call of LIOBN 0x80000100 moved to a stream whose table does not exist.
        ReplayFixture.Change(journal, "UPDATE journal SET persistence_id = 'tce/h0/g/0x77' WHERE persistence_id = $pid AND sequence_number = 1", ("$pid", GetTce));

        var run = await fixture.Replay(journal);

        Assert.Equal(ReplayExit.Malformed, run.Exit);
        Assert.Contains("(tce/h0/g/0x77 #1): host h0 never created a TCE table for LIOBN 0x77 of VM g", run.Err);
    }

    [Fact]
    public async Task A_file_that_is_not_a_journal_or_does_not_exist_exits_2_naming_it()
    {
        var text = fixture.NewFile("not-a-journal.db");
        await File.WriteAllTextAsync(text, "an earlier run");
        var missing = fixture.NewFile("missing.db");

        var notJournal = await fixture.Replay(text);
        var none = await fixture.Replay(missing);

        Assert.Equal((ReplayExit.Malformed, ""), (notJournal.Exit, notJournal.Out));
        Assert.StartsWith($"{text}: cannot read the file as a SQLite journal: ", notJournal.Err);
        Assert.Equal((ReplayExit.Malformed, ""), (none.Exit, none.Out));
        Assert.StartsWith($"{missing}: no such journal file", none.Err);
        Assert.False(File.Exists(missing));
        Assert.Equal("an earlier run", await File.ReadAllTextAsync(text));
    }
}
