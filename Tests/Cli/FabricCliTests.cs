using System.Diagnostics;
using Fabric.Persistence;
using Fabric.Tests.Support;
using Npgsql;

namespace Fabric.Tests.Cli;

/// <summary>
/// The built `fabric` program (Hosts/Fabric.Cli, copied next to the tests by the project
/// reference), run as a user runs it: `dotnet fabric.dll trace FILE [--journal ...]`. Each run
/// is killed after 60 s; temp files live in one folder removed at the end.
/// </summary>
public sealed class FabricCliTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("fabric-cli-");

    public void Dispose() => _temp.Delete(recursive: true);

    private static string Quickstart => Path.Combine(RepoRoot.Traces, "quickstart.trace");

    [Fact]
    public async Task Quickstart_prints_its_expected_output_and_exits_0()
    {
        var run = await Fabric("trace", Quickstart);

        Assert.True(run.Exit == 0, $"exit {run.Exit}; stderr:\n{run.Err}");
        OutputDiff.AssertSame("quickstart.expected", await File.ReadAllTextAsync(Path.ChangeExtension(Quickstart, ".expected")), run.Out);
        Assert.Equal("", run.Err);
    }

    [Fact]
    public async Task A_malformed_trace_exits_2_with_FILE_LINE_on_stderr_after_the_lines_before_it()
    {
        var trace = Path.Combine(_temp.FullName, "bad.trace");
        await File.WriteAllTextAsync(trace, """
            vm name=g ram=2G
            phb index=1
            H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003
            H_PUT_TCE liobn=0x80000100 ioba=0x1000 tcee=0x1003
            H_GET_TCE liobn=0x80000100 ioba=0x1000
            """);

        var run = await Fabric("trace", trace);

        Assert.Equal(2, run.Exit);
        Assert.Equal(["H_PUT_TCE liobn=0x80000100 ioba=0x1000 tce=0x1003 ret=0"], OutputDiff.Lines(run.Out));
        var err = Assert.Single(OutputDiff.Lines(run.Err));
        Assert.StartsWith($"{trace}:4: ", err);
    }

    [Fact]
    public async Task A_journal_on_a_fresh_path_records_the_run()
    {
        var journal = Path.Combine(_temp.FullName, "run.db");

        var run = await Fabric("trace", Quickstart, "--journal", journal);

        Assert.True(run.Exit == 0, $"exit {run.Exit}; stderr:\n{run.Err}");
        OutputDiff.AssertSame("quickstart.expected", await File.ReadAllTextAsync(Path.ChangeExtension(Quickstart, ".expected")), run.Out);
        Assert.True(new FileInfo(journal).Length > 0, $"{journal} is empty after the run");
    }

    [Fact]
    public async Task A_journal_that_already_holds_data_is_refused_with_exit_2_naming_the_file()
    {
        var journal = Path.Combine(_temp.FullName, "old.db");
        await File.WriteAllTextAsync(journal, "an earlier run");

        var run = await Fabric("trace", Quickstart, "--journal", journal);

        Assert.Equal(2, run.Exit);
        Assert.Equal("", run.Out);
        Assert.Contains(journal, run.Err);
        Assert.Equal("an earlier run", await File.ReadAllTextAsync(journal));
    }

    [PostgresFact]
    public async Task A_postgres_journal_records_the_run_and_a_fresh_run_on_the_same_schema_is_refused()
    {
        var journal = PostgresServer.Journal("cli");
        try
        {
            var b = new NpgsqlConnectionStringBuilder(journal.ConnectionString);
            var url = $"postgres://{Uri.EscapeDataString(b.Username!)}:{Uri.EscapeDataString(b.Password ?? "")}@{b.Host}:{b.Port}/{Uri.EscapeDataString(b.Database!)}?schema={journal.Schema}";

            // --journal postgres: the server (and here the schema) of FABRIC_POSTGRES.
            var run = await Fabric(new Dictionary<string, string> { [PostgresJournal.EnvironmentVariable] = url }, "trace", Quickstart, "--journal", "postgres");

            Assert.True(run.Exit == 0, $"exit {run.Exit}; stderr:\n{run.Err}");
            OutputDiff.AssertSame("quickstart.expected", await File.ReadAllTextAsync(Path.ChangeExtension(Quickstart, ".expected")), run.Out);
            var rows = journal.JournalRows();
            Assert.True(rows > 0, $"{journal} has no rows after the run");

            // The same schema named by URL: it holds a run already.
            var again = await Fabric("trace", Quickstart, "--journal", url);

            Assert.Equal(2, again.Exit);
            Assert.Equal("", again.Out);
            Assert.Contains($"?schema={journal.Schema}: the journal already holds {rows} events", again.Err);
            if (!string.IsNullOrEmpty(b.Password)) Assert.DoesNotContain(b.Password, again.Err);
            Assert.Equal(rows, journal.JournalRows());
        }
        finally
        {
            PostgresServer.Drop(journal);
        }
    }

    [Fact]
    public async Task An_unreachable_postgres_journal_exits_2_naming_the_server_without_its_password()
    {
        // Port 1 on the loopback: nothing listens there, the connection is refused at once.
        var run = await Fabric("trace", Quickstart, "--journal", "postgres://someone:s3cret@127.0.0.1:1/fabric?schema=run1");

        Assert.Equal(2, run.Exit);
        Assert.Equal("", run.Out);
        Assert.Contains("postgres://someone@127.0.0.1:1/fabric?schema=run1: cannot use the PostgreSQL server", run.Err);
        Assert.DoesNotContain("s3cret", run.Err);
    }

    private static Task<FabricProcess.Run> Fabric(params string[] args) => Fabric([], args);

    private static Task<FabricProcess.Run> Fabric(Dictionary<string, string> environment, params string[] args) =>
        FabricProcess.RunAsync(Limit, environment, args);
}
