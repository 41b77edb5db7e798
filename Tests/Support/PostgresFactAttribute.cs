using Akka.Configuration;
using Fabric.Persistence;
using Npgsql;

namespace Fabric.Tests.Support;

/// <summary>
/// A test that needs the PostgreSQL server named by FABRIC_POSTGRES. Without a reachable
/// server it is skipped, saying so, unless the environment variable CI is set: CI installs and
/// starts PostgreSQL (.ci/run), so there the test runs and fails in <see cref="PostgresServer.Journal"/>
/// with the reason, rather than passing as skipped.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!PostgresServer.Reachable && !PostgresServer.InCi) Skip = PostgresServer.Unreachable;
    }
}

/// <summary>The test server: FABRIC_POSTGRES, probed once per test run; a fresh schema per test.</summary>
public static class PostgresServer
{
    private static readonly Lazy<string?> Failure = new(Probe);

    /// <summary>FABRIC_POSTGRES, or null when unset or empty.</summary>
    public static string? ConnectionString =>
        Environment.GetEnvironmentVariable(PostgresJournal.EnvironmentVariable) is { Length: > 0 } cs ? cs : null;

    public static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public static bool Reachable => Failure.Value is null;

    /// <summary>Why the tests cannot use a server: the skip reason.</summary>
    public static string Unreachable =>
        $"no PostgreSQL server reachable at {Describe()} ({Failure.Value}); set {PostgresJournal.EnvironmentVariable}";

    /// <summary>
    /// A journal in a new, empty schema of the test server (dropped by <see cref="Drop"/>), named
    /// after the test (<paramref name="name"/>: lower-case letters, digits, _) so a leftover is traceable;
    /// fails the test when no server answers (only reached when CI is set, else the test was skipped).
    /// </summary>
    public static PostgresJournal Journal(string name)
    {
        if (!Reachable)
            Assert.Fail($"PostgreSQL was expected (CI is set) but {Unreachable}. .ci/run starts one; elsewhere unset CI to skip.");
        var journal = PostgresJournal.Parse(ConnectionString!, $"t_{name[..Math.Min(name.Length, 20)]}_{Guid.NewGuid():N}");
        journal.EnsureSchema();
        return journal;
    }

    /// <summary>The fabric configuration of <paramref name="journal"/>, quiet.</summary>
    public static Config Config(PostgresJournal journal, string extra = "") =>
        FabricConfig.Build(JournalKind.Postgres, journal.ConnectionString, ConfigurationFactory.ParseString($"""
            akka.loglevel = WARNING
            fabric.postgres.schema = {journal.Schema}
            {extra}
            """));

    /// <summary>Drops the test's schema and clears the pools (their connections would hold it).</summary>
    public static void Drop(PostgresJournal journal)
    {
        NpgsqlConnection.ClearAllPools();
        journal.DropSchema();
    }

    private static string Describe()
    {
        if (ConnectionString is not { } cs) return "$" + PostgresJournal.EnvironmentVariable;
        try
        {
            return PostgresJournal.Parse(cs).ToString();
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    private static string? Probe()
    {
        if (ConnectionString is not { } cs) return $"{PostgresJournal.EnvironmentVariable} is not set";
        try
        {
            var b = new NpgsqlConnectionStringBuilder(PostgresJournal.Parse(cs).ConnectionString) { Timeout = 3, Pooling = false };
            using var connection = new NpgsqlConnection(b.ConnectionString);
            connection.Open();
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or FormatException or ArgumentException or InvalidOperationException or TimeoutException)
        {
            return e.Message;
        }
    }
}
