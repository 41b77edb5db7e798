using System.CommandLine;
using Fabric.Hosting.Cluster;

namespace Fabric.Cli;

/// <summary><c>fabric status --cluster HOST:PORT</c>: members, the hosts each runs, and health.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var seeds = ClusterOptions.Seeds("--cluster", "HOST:PORT of a member (repeat for several)");
        seeds.Required = true;
        var certificate = ClusterOptions.Certificate();
        var password = ClusterOptions.CertificatePassword();
        var command = new Command("status", "show a cluster's members, the hosts each runs, and their health") { seeds, certificate, password };
        command.SetAction(async (parse, _) =>
        {
            var seedList = ClusterOptions.CheckSeeds(parse.GetValue(seeds), out var error);
            var config = seedList is null ? null : JournalOptions.Config("memory", fresh: false, out error);
            if (config is null)
            {
                await Console.Error.WriteLineAsync(error);
                return 2;
            }
            return await ClusterOptions.AsClient(seedList!, parse.GetValue(certificate), parse.GetValue(password), config, async node =>
            {
                var lines = await ClusterStatus.Of(node, TimeSpan.FromSeconds(5));
                Console.WriteLine($"{"member",-36} {"status",-8} {"reachable",-9} {"roles",-7} {"hosts",6} {"health",-14} hosts");
                foreach (var l in lines.Where(l => l.Address != node.Address.ToString()))
                {
                    var health = !l.Reachable ? "unreachable" : l.Violations switch { 0 => "ok", < 0 => "no answer", var v => $"{v} violations" };
                    Console.WriteLine($"{l.Address,-36} {l.Status,-8} {(l.Reachable ? "yes" : "NO"),-9} {l.Roles,-7} {l.Hosts.Count,6} {health,-14} {string.Join(" ", l.Hosts)}");
                }
                return lines.All(l => l.Reachable && l.Violations >= 0) ? 0 : 1;
            });
        });
        return command;
    }
}
