using Fabric.Hosting;
using Fabric.Hosting.Replay;
using Fabric.Hosting.Trace;
using Fabric.Persistence;
using Fabric.Tests.Support;
using Npgsql;

namespace Fabric.Tests.Replay;

/// <summary>
/// <c>fabric replay postgres://...</c>: a run recorded in a PostgreSQL schema replays as the same
/// run recorded in a SQLite file does, bad rows are named the same way, and the journal is only read.
/// </summary>
[Collection(ReplayCollection.Name)]
public sealed class ReplayPostgresTests(ReplayFixture fixture) : IAsyncLifetime
{
    private PostgresJournal? _journal;

    private async Task<(PostgresJournal Journal, string Url)> Record(string trace)
    {
        _journal = PostgresServer.Journal("replay");
        await using (var fabric = new FabricRuntime(PostgresServer.Config(_journal), "recorder"))
            Assert.Equal(0, await new TraceRunner(fabric, TextWriter.Null, TextWriter.Null).RunFile(Path.Combine(RepoRoot.Traces, trace)));
        var b = new NpgsqlConnectionStringBuilder(_journal.ConnectionString);
        return (_journal, $"postgres://{Uri.EscapeDataString(b.Username!)}:{Uri.EscapeDataString(b.Password ?? "")}@{b.Host}:{b.Port}/{Uri.EscapeDataString(b.Database!)}?schema={_journal.Schema}");
    }

    /// <summary>The summary without the lines that name the journal or the wall-clock time of its rows.</summary>
    private static string[] State(ReplayRun run) =>
        [.. run.OutLines.Where(l => !l.StartsWith("journal ", StringComparison.Ordinal) && !l.StartsWith("time ", StringComparison.Ordinal))];

    [PostgresFact]
    public async Task A_run_recorded_in_PostgreSQL_replays_as_the_same_run_recorded_in_SQLite()
    {
        var (journal, url) = await Record("h_put_tce_indirect-errors.trace");

        var postgres = await fixture.Replay(url);
        var sqlite = await fixture.Replay(await fixture.TraceJournal(Path.Combine(RepoRoot.Traces, "h_put_tce_indirect-errors.trace")));

        Assert.True(postgres.Exit == 0, postgres.Err);
        Assert.Equal($"journal {journal}", postgres.OutLines[0]);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(journal.ConnectionString).Password!, postgres.Out);
        Assert.Equal(State(sqlite), State(postgres));

        var until = await fixture.Replay(url, new ReplayOptions { Until = ReplayLimit.AtOrdering(5) });
        Assert.Contains("rows 1..5: 5 rows, 5 events, 0 deleted, 0 of other streams", until.OutLines);
    }

    [PostgresFact]
    public async Task A_bad_row_is_named_and_the_journal_is_only_read()
    {
        var (journal, url) = await Record("quickstart.trace");
        using (var connection = journal.Open())
        using (var damage = new NpgsqlCommand($"UPDATE \"{journal.Schema}\".journal SET identifier = 5 WHERE persistence_id = 'pe/h0/0.1' AND sequence_number = 1", connection))
            Assert.Equal(1, damage.ExecuteNonQuery());
        var before = Fingerprint(journal);

        var run = await fixture.Replay(url);
        var skipped = await fixture.Replay(url, new ReplayOptions { SkipBad = true });

        Assert.Equal((ReplayExit.Malformed, ""), (run.Exit, run.Out));
        Assert.Contains("(pe/h0/0.1 #1): it was written by serializer id 5", run.Err);
        Assert.StartsWith($"{journal}: row ", run.Err);
        Assert.Contains("bad rows skipped 1: unknown serializer=1", skipped.OutLines);
        Assert.Equal(before, Fingerprint(journal));
    }

    [Fact]
    public async Task An_unreachable_server_exits_2_naming_it_without_the_password()
    {
        var run = await fixture.Replay("postgres://fabric:secret@127.0.0.1:1/fabric?schema=nothing_here");

        Assert.Equal((ReplayExit.Malformed, ""), (run.Exit, run.Out));
        Assert.StartsWith("postgres://fabric@127.0.0.1:1/fabric?schema=nothing_here: cannot read the PostgreSQL journal (", run.Err);
        Assert.DoesNotContain("secret", run.Err);
    }

    /// <summary>Every row of the journal, as the server holds it.</summary>
    private static string Fingerprint(PostgresJournal journal)
    {
        using var connection = journal.Open();
        using var command = new NpgsqlCommand(
            $"SELECT count(*) || ':' || coalesce(md5(string_agg(ordering || persistence_id || sequence_number || deleted || coalesce(identifier, -1) || encode(message, 'hex'), ',' ORDER BY ordering)), '') FROM \"{journal.Schema}\".journal",
            connection);
        return (string)command.ExecuteScalar()!;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (_journal is not null) PostgresServer.Drop(_journal);
        return Task.CompletedTask;
    }
}
