namespace Fabric.Hosting.Cluster;

/// <summary>What a cluster member runs: hosts (a node) or nothing (a client such as `fabric status`).</summary>
public enum NodeRole
{
    Host,
    Client,
}

/// <summary>
/// How one member joins the cluster. <paramref name="Seeds"/> are HOST:PORT of members to join
/// through (empty: this member starts a new cluster). <paramref name="Hostname"/> null keeps
/// fabric.cluster.hostname (loopback). <paramref name="Certificate"/> and
/// <paramref name="CertificatePassword"/> switch transport TLS on (fabric.cluster.tls).
/// <paramref name="Failover"/> null keeps fabric.cluster.failover (loopback or rack).
/// </summary>
public sealed record NodeOptions(
    int Port,
    IReadOnlyList<string> Seeds,
    NodeRole Role = NodeRole.Host,
    string? Hostname = null,
    string? Certificate = null,
    string? CertificatePassword = null,
    string? Failover = null)
{
    /// <summary>The ActorSystem name every member uses: members of one cluster share it.</summary>
    public const string SystemName = "fabric";

    /// <summary>The Akka address of a seed given as HOST:PORT (TLS has a protocol of its own); a malformed one throws <see cref="FormatException"/>.</summary>
    public static string SeedAddress(string seed, bool tls = false)
    {
        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed.AsSpan(colon + 1), out var port) || port is <= 0 or > 65535)
            throw new FormatException($"seed {seed}: expected HOST:PORT, such as 127.0.0.1:4053");
        return $"{(tls ? "akka.ssl.tcp" : "akka.tcp")}://{SystemName}@{seed[..colon]}:{port}";
    }
}
