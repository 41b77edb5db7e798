using Akka.Configuration;

namespace Fabric.Hosting.Cluster;

/// <summary>The configuration of a cluster member: its options, over config/cluster.hocon, over the fabric's.</summary>
public static class ClusterConfig
{
    /// <summary>config/cluster.hocon as shipped (embedded in Fabric.Hosting).</summary>
    public static Config Defaults { get; } = ConfigurationFactory.ParseString(ReadResource("Fabric.cluster.hocon"));

    /// <summary>
    /// <paramref name="fabric"/> (from FabricConfig.Build: journal, durability, serializer) made a
    /// cluster member by <paramref name="options"/>; what <paramref name="fabric"/> says of
    /// fabric.cluster wins over the shipped defaults, the options win over both.
    /// </summary>
    public static Config Build(NodeOptions options, Config fabric)
    {
        var merged = fabric.WithFallback(Defaults);
        var hostname = options.Hostname ?? merged.GetString("fabric.cluster.hostname");
        var tlsOn = options.Certificate is not null || merged.GetBoolean("fabric.cluster.tls.enabled");
        var seeds = string.Join(", ", options.Seeds.Select(s => Quote(NodeOptions.SeedAddress(s, tlsOn))));
        var role = options.Role == NodeRole.Host ? "host" : "client";
        var failover = options.Failover is null ? "" : $"fabric.cluster.failover = {Quote(options.Failover)}";
        var tls = options.Certificate is null
            ? ""
            : $"""
              fabric.cluster.tls.enabled = on
              fabric.cluster.tls.certificate = {Quote(options.Certificate)}
              fabric.cluster.tls.password = {Quote(options.CertificatePassword ?? "")}
              """;
        var node = ConfigurationFactory.ParseString($"""
            fabric.cluster.hostname = {Quote(hostname)}
            fabric.cluster.port = {options.Port}
            akka.remote.dot-netty.tcp.hostname = {Quote(hostname)}
            akka.remote.dot-netty.tcp.port = {options.Port}
            akka.cluster.seed-nodes = [{seeds}]
            akka.cluster.roles = [{role}]
            {failover}
            {tls}
            """);
        // The failover profile sits under what the caller's configuration says and over the shipped defaults.
        var config = node.WithFallback(fabric).WithFallback(Failover(node.WithFallback(merged))).WithFallback(Defaults);
        return Tls(config).WithFallback(config);
    }

    /// <summary>The akka settings of the failover profile fabric.cluster.failover names.</summary>
    static Config Failover(Config config)
    {
        var name = config.GetString("fabric.cluster.failover", "loopback");
        var profiles = config.GetConfig("fabric.cluster.failover-profiles");
        if (string.IsNullOrWhiteSpace(name) || profiles?.GetConfig(name) is not { } profile || profile.IsEmpty)
            throw new ConfigurationException($"fabric.cluster.failover = {name}: not a failover profile; use loopback (one machine) or rack (several), see config/cluster.hocon");
        return profile;
    }

    /// <summary>fabric.cluster.tls copied into Akka's DotNetty transport settings.</summary>
    static Config Tls(Config config)
    {
        if (!config.GetBoolean("fabric.cluster.tls.enabled")) return Config.Empty;
        var path = config.GetString("fabric.cluster.tls.certificate");
        if (string.IsNullOrWhiteSpace(path))
            throw new ConfigurationException("fabric.cluster.tls.enabled = on needs fabric.cluster.tls.certificate, a .pfx file with the cluster's certificate and key");
        return ConfigurationFactory.ParseString($"""
            akka.remote.dot-netty.tcp.enable-ssl = true
            akka.remote.dot-netty.tcp.ssl.certificate.path = {Quote(Path.GetFullPath(path))}
            akka.remote.dot-netty.tcp.ssl.certificate.password = {Quote(config.GetString("fabric.cluster.tls.password", ""))}
            akka.remote.dot-netty.tcp.ssl.suppress-validation = false
            akka.remote.dot-netty.tcp.ssl.require-mutual-authentication = true
            """);
    }

    static string ReadResource(string name)
    {
        using var stream = typeof(ClusterConfig).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in Fabric.Hosting");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
