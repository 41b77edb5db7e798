using System.Text.RegularExpressions;
using Akka.Configuration;
using Npgsql;

namespace Fabric.Persistence;

/// <summary>
/// Where a PostgreSQL journal lives (a Npgsql connection string and a schema) and the few
/// statements Fabric runs on it outside Akka: create the schema, ask whether it already holds
/// events, drop it. Akka.Persistence.Sql creates the tables themselves on first use.
/// </summary>
public sealed partial record PostgresJournal(string ConnectionString, string Schema)
{
    public const string DefaultSchema = "public";

    /// <summary>The environment variable that replaces the connection string of journal-postgres.hocon.</summary>
    public const string EnvironmentVariable = "FABRIC_POSTGRES";

    /// <summary>True for a <c>postgres://</c> or <c>postgresql://</c> URL.</summary>
    public static bool IsUrl(string text) =>
        text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
        text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A journal from <c>postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME</c> (user,
    /// password percent-encoded; port 5432 and schema public when left out; any other query
    /// parameter is a Npgsql keyword, e.g. <c>?sslmode=require</c>) or from a Npgsql connection
    /// string (schema <paramref name="schema"/>). Throws <see cref="FormatException"/> with what is wrong.
    /// </summary>
    public static PostgresJournal Parse(string text, string schema = DefaultSchema)
    {
        if (!IsUrl(text)) return new PostgresJournal(Validate(text), CheckSchema(schema));
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new FormatException($"{Redact(text)}: not a URL of the form postgres://USER:PASSWORD@HOST:PORT/DATABASE");
        var b = new NpgsqlConnectionStringBuilder { Host = uri.Host.Trim('[', ']'), Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            b.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0) b.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length > 0) b.Database = database;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            if (key.Equals("schema", StringComparison.OrdinalIgnoreCase)) { schema = value; continue; }
            try
            {
                b[key] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
            {
                throw new FormatException($"{Redact(text)}: ?{key}= is neither schema nor a Npgsql connection keyword ({e.Message})");
            }
        }
        return new PostgresJournal(b.ConnectionString, CheckSchema(schema));
    }

    /// <summary>The journal a configuration names: <c>akka.persistence.journal.sql.connection-string</c> and <c>fabric.postgres.schema</c>.</summary>
    public static PostgresJournal Of(Config config) => new(
        config.GetString("akka.persistence.journal.sql.connection-string"),
        CheckSchema(config.GetString("fabric.postgres.schema", DefaultSchema)));

    /// <summary>The server, database, user and schema, never the password: for messages.</summary>
    public override string ToString()
    {
        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        var user = string.IsNullOrEmpty(b.Username) ? "" : Uri.EscapeDataString(b.Username) + "@";
        var host = b.Host is { } h && h.Contains(':') ? $"[{h}]" : b.Host;
        return $"postgres://{user}{host}:{b.Port}/{Uri.EscapeDataString(b.Database ?? "")}?schema={Schema}";
    }

    /// <summary>Opens a connection, or throws <see cref="NpgsqlException"/> saying why not.</summary>
    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Creates the schema unless it exists (checked first: creating needs a right on the database that using does not).</summary>
    public void EnsureSchema()
    {
        using var connection = Open();
        if (Scalar(connection, "SELECT count(*) FROM pg_namespace WHERE nspname = @schema") > 0) return;
        Execute(connection, $"CREATE SCHEMA IF NOT EXISTS {Quoted}");
    }

    /// <summary>Rows in the schema's journal table whose persistence id starts with <paramref name="prefix"/>; 0 when the table does not exist yet.</summary>
    public long JournalRows(string table = "journal", string prefix = "")
    {
        using var connection = Open();
        if (Scalar(connection, "SELECT count(*) FROM pg_tables WHERE schemaname = @schema AND tablename = @table", ("table", table)) == 0) return 0;
        return Scalar(connection, $"SELECT count(*) FROM {Quoted}.\"{table.Replace("\"", "\"\"")}\" WHERE starts_with(persistence_id, @prefix)", ("prefix", prefix));
    }

    /// <summary>Drops the schema and every table in it.</summary>
    public void DropSchema()
    {
        using var connection = Open();
        Execute(connection, $"DROP SCHEMA IF EXISTS {Quoted} CASCADE");
    }

    string Quoted => "\"" + Schema + "\"";

    long Scalar(NpgsqlConnection connection, string sql, params (string Name, string Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection);
        if (sql.Contains("@schema")) command.Parameters.AddWithValue("schema", Schema);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return Convert.ToInt64(command.ExecuteScalar());
    }

    static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// A schema name Fabric will put in SQL: lower-case letters, digits and underscores, not
    /// starting with a digit, at most 63 characters (PostgreSQL's limit).
    /// </summary>
    public static string CheckSchema(string schema) =>
        SchemaName().IsMatch(schema)
            ? schema
            : throw new FormatException($"schema \"{schema}\": use lower-case letters, digits and _ (not first a digit), at most 63 characters");

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();

    static string Validate(string connectionString)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString).ConnectionString;
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"not a Npgsql connection string ({e.Message}); expected Host=...;Port=...;Username=...;Password=...;Database=... or postgres://USER:PASSWORD@HOST:PORT/DATABASE");
        }
    }

    // A URL's password never reaches a message.
    static string Redact(string url) => RedactPassword().Replace(url, "$1:***@");

    [GeneratedRegex("^([a-z]+://[^:/@]*):[^@/]*@", RegexOptions.IgnoreCase)]
    private static partial Regex RedactPassword();
}
