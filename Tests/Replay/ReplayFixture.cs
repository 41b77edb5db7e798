using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Configuration;
using Fabric.Hosting;
using Fabric.Hosting.Replay;
using Fabric.Hosting.Trace;
using Fabric.Messages;
using Fabric.Persistence;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests.Replay;

[CollectionDefinition(Name)]
public sealed class ReplayCollection : ICollectionFixture<ReplayFixture>
{
    public const string Name = "replay journals";
}

/// <summary>
/// What the replay tests share: one event decoder, one temp folder (removed at the end), and
/// journals recorded once by running traces on a fabric with a SQLite journal, as
/// <c>fabric trace FILE --journal J</c> does. Tests replay copies when they change a journal.
/// </summary>
public sealed class ReplayFixture : IDisposable
{
    private static readonly Config Quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING");
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _journals = new();
    private int _files;

    public ReplayFixture()
    {
        // Recording is mostly waiting for SQLite commits: the shipped traces record side by side.
        foreach (var trace in Directory.GetFiles(Support.RepoRoot.Traces, "*.trace")) _ = TraceJournal(trace);
    }

    public EventDecoder Decoder { get; } = EventDecoder.Start();
    public DirectoryInfo Temp { get; } = Directory.CreateTempSubdirectory("fabric-replay-");

    /// <summary>A fresh path in the temp folder.</summary>
    public string NewFile(string name) => Path.Combine(Temp.FullName, $"{Interlocked.Increment(ref _files)}-{name}");

    /// <summary>
    /// The journal of a trace file, recorded on first use. A shipped trace whose expected output
    /// holds a violation (a `! ` line) exits 1, every other one 0.
    /// </summary>
    public Task<string> TraceJournal(string tracePath) =>
        Journal(Path.GetFileName(tracePath), async (runtime, output) =>
            Assert.Equal(ExpectedViolations(tracePath).Length > 0 ? 1 : 0, await new TraceRunner(runtime, output, output).RunFile(tracePath)));

    /// <summary>The violation lines (`! ...`) of a shipped trace's .expected file; none when it has no such file.</summary>
    public static string[] ExpectedViolations(string tracePath)
    {
        var expected = Path.ChangeExtension(tracePath, ".expected");
        return File.Exists(expected) ? [.. File.ReadAllLines(expected).Where(l => l.StartsWith("! ", StringComparison.Ordinal))] : [];
    }

    /// <summary>The journal of a trace text, recorded on first use under <paramref name="name"/>.</summary>
    public Task<string> TextJournal(string name, string text, int exit = 0) =>
        Journal(name, async (runtime, output) =>
            Assert.Equal(exit, await new TraceRunner(runtime, output, output).RunText(name, text)));

    /// <summary>A journal recorded by <paramref name="record"/> on a fabric with a fresh SQLite journal.</summary>
    public Task<string> Journal(string name, Func<FabricRuntime, StringWriter, Task> record) =>
        _journals.GetOrAdd(name, _ => new Lazy<Task<string>>(() => Record(name, record))).Value;

    private async Task<string> Record(string name, Func<FabricRuntime, StringWriter, Task> record)
    {
        await Task.Yield();
        var file = NewFile(name + ".db");
        var output = new StringWriter();
        await using (var runtime = new FabricRuntime(FabricConfig.Build(JournalKind.Sqlite, file, Quiet), "recorder"))
            await record(runtime, output);
        // The plugin's pooled connections hold the file (and its WAL) open until cleared.
        SqliteConnection.ClearAllPools();
        return file;
    }

    /// <summary>A copy of a journal, to change without touching the shared one.</summary>
    public string Copy(string journal)
    {
        var copy = NewFile(Path.GetFileName(journal));
        File.Copy(journal, copy);
        return copy;
    }

    /// <summary>Runs SQL against a journal copy (read-write; never the shared journals).</summary>
    public static void Change(string journal, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journal, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (n, v) in parameters) command.Parameters.AddWithValue(n, v);
        Assert.Equal(1, command.ExecuteNonQuery());
    }

    /// <summary>The global ordering of a stream's event.</summary>
    public static long Ordering(string journal, string persistenceId, long sequenceNumber)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = journal, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT ordering FROM journal WHERE persistence_id = $pid AND sequence_number = $seq";
        command.Parameters.AddWithValue("$pid", persistenceId);
        command.Parameters.AddWithValue("$seq", sequenceNumber);
        return (long)(command.ExecuteScalar() ?? throw new InvalidOperationException($"{journal} has no {persistenceId} #{sequenceNumber}"));
    }

    /// <summary>Runs <c>fabric replay</c> in-process: exit code, stdout, stderr.</summary>
    public async Task<ReplayRun> Replay(string journal, ReplayOptions? options = null, string? exportTrace = null, string? against = null)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await new ReplayRunner(output, errors, Decoder).Run(journal, options ?? new ReplayOptions(), exportTrace, against: against);
        return new ReplayRun(exit, output.ToString(), errors.ToString());
    }

    /// <summary>The replayed state of a journal (throws what replay throws).</summary>
    public async Task<ReplayResult> State(string journal, ReplayOptions? options = null)
    {
        using var source = JournalSources.Open(journal);
        return await Replayer.Run(source, Decoder, options ?? new ReplayOptions());
    }

    /// <summary>The SHA-256 of every file of a journal (the database, and its -wal and -shm when present).</summary>
    public static IReadOnlyDictionary<string, string> Fingerprint(string journal) =>
        Directory.GetFiles(Path.GetDirectoryName(journal)!, Path.GetFileName(journal) + "*")
            .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    public void Dispose()
    {
        Decoder.Dispose();
        SqliteConnection.ClearAllPools();
        Temp.Delete(recursive: true);
    }
}

/// <summary>What a replay printed and returned.</summary>
public sealed record ReplayRun(int Exit, string Out, string Err)
{
    public string[] OutLines => Support.OutputDiff.Lines(Out);
}

/// <summary>A kill register that acknowledges every kill and leaves the PE's TCE cache as it was.</summary>
public sealed class AckingKillRegister : ReceiveActor
{
    public AckingKillRegister(int group) => Receive<TceKill>(k => Sender.Tell(new TceKilled(group, k.Token)));

    public static Props Props(int group) => Akka.Actor.Props.Create(() => new AckingKillRegister(group));
}
