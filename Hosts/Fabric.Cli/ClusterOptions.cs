using System.CommandLine;
using Akka.Configuration;
using Fabric.Hosting.Cluster;

namespace Fabric.Cli;

/// <summary>Options shared by the commands that join a cluster (node, status, workload, trace --cluster).</summary>
public static class ClusterOptions
{
    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    public static Option<string[]> Seeds(string name, string description) => new(name)
    {
        Description = description,
        AllowMultipleArgumentsPerToken = true,
        Arity = ArgumentArity.OneOrMore,
    };

    public static Option<string?> Certificate() => new("--tls-certificate")
    {
        Description = "switch transport TLS on with the cluster's certificate (a .pfx with its key); every member must use the same one",
    };

    public static Option<string?> CertificatePassword() => new("--tls-password") { Description = "the password of --tls-certificate" };

    /// <summary>The seeds checked now, so a malformed one is a clear exit 2; null with the reason otherwise.</summary>
    public static string[]? CheckSeeds(string[]? seeds, out string error)
    {
        error = "";
        foreach (var s in seeds ?? [])
        {
            try
            {
                NodeOptions.SeedAddress(s);
            }
            catch (FormatException e)
            {
                error = e.Message;
                return null;
            }
        }
        return seeds ?? [];
    }

    /// <summary>
    /// Joins as a client (hosts nothing) and runs <paramref name="action"/>; leaves the cluster
    /// afterwards. Exit 2 with the reason when it cannot join.
    /// </summary>
    public static async Task<int> AsClient(string[] seeds, string? certificate, string? password, Config fabric, Func<FabricNode, Task<int>> action)
    {
        FabricNode node;
        try
        {
            node = await FabricNode.Start(new NodeOptions(0, seeds, NodeRole.Client, Certificate: certificate, CertificatePassword: password), fabric, JoinTimeout);
        }
        catch (Exception e) when (e is TimeoutException or ConfigurationException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }
        await using (node) return await action(node);
    }
}
