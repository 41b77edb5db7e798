using System.CommandLine;
using Akka.Configuration;
using Fabric.Hosting.Cluster;

namespace Fabric.Cli;

/// <summary><c>fabric node</c>: one cluster member that runs hosts, until Ctrl-C (it then leaves, handing its hosts over).</summary>
public static class NodeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "the port remoting listens on (0: any free port)", Required = true };
        var seeds = ClusterOptions.Seeds("--seed", "HOST:PORT of a member to join through (repeat for several); none: start a new cluster");
        var hostname = new Option<string?>("--hostname") { Description = "the address to listen on and be reached at (default 127.0.0.1: this machine only)" };
        var journal = new Option<string>("--journal")
        {
            Description = "the journal every member shares: a SQLite file (one machine), postgres ($FABRIC_POSTGRES) or postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME",
            DefaultValueFactory = _ => "fabric.db",
        };
        var certificate = ClusterOptions.Certificate();
        var password = ClusterOptions.CertificatePassword();
        var failover = new Option<string?>("--failover")
        {
            Description = "how fast a dead member's hosts move: loopback (default; every member on this machine) or rack (members on several machines, slower to take a silent member for dead)",
        };
        var untilStdin = new Option<bool>("--until-stdin-closes") { Description = "also leave when standard input closes (how `fabric up` stops its nodes)" };
        var scenarioFile = new Option<FileInfo?>("--scenario") { Description = "run the hosts with this scenario's settings (durability, hcall-timeout): how `fabric run` starts the members of a cluster scenario" };
        var command = new Command("node", "start one cluster member that runs simulated hosts") { port, seeds, hostname, journal, certificate, password, failover, untilStdin, scenarioFile };
        command.SetAction(async (parse, cancel) =>
        {
            var seedList = ClusterOptions.CheckSeeds(parse.GetValue(seeds), out var error);
            Akka.Configuration.Config? overrides = null;
            if (parse.GetValue(scenarioFile) is { } sf)
            {
                try
                {
                    overrides = Fabric.Hosting.Scenario.ScenarioConfig.Overrides(Fabric.Hosting.Scenario.ScenarioFile.Load(sf.FullName));
                }
                catch (Fabric.Hosting.Scenario.ScenarioException e)
                {
                    await Console.Error.WriteLineAsync(e.Message);
                    return 2;
                }
            }
            var config = seedList is null ? null : JournalOptions.Config(parse.GetValue(journal), fresh: false, out error, overrides);
            if (config is null)
            {
                await Console.Error.WriteLineAsync(error);
                return 2;
            }
            var options = new NodeOptions(parse.GetValue(port), seedList!, NodeRole.Host, parse.GetValue(hostname),
                parse.GetValue(certificate), parse.GetValue(password), parse.GetValue(failover));
            FabricNode node;
            try
            {
                node = await FabricNode.Start(options, config, ClusterOptions.JoinTimeout);
            }
            catch (Exception e) when (e is TimeoutException or ConfigurationException)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 2;
            }
            Console.WriteLine($"node {node.Address} up; Ctrl-C leaves the cluster");
            var stdinClosed = parse.GetValue(untilStdin)
                ? Task.Run(async () => { while (await Console.In.ReadLineAsync() is not null) { } })
                : Task.Delay(Timeout.Infinite);
            var stopped = await Task.WhenAny(node.System.WhenTerminated, stdinClosed, Task.Delay(Timeout.Infinite, cancel).ContinueWith(_ => { }));
            if (stopped == node.System.WhenTerminated && !cancel.IsCancellationRequested)
            {
                // Downed by the others (it was cut off from the majority) or shut down.
                await Console.Error.WriteLineAsync($"node {node.Address} was removed from the cluster");
                return 1;
            }
            await node.DisposeAsync();
            Console.WriteLine($"node {node.Address} left the cluster");
            return 0;
        });
        return command;
    }
}
