using System.CommandLine;
using System.Globalization;
using Fabric.Hosting;
using Fabric.Hosting.Scenario;
using Spectre.Console;

namespace Fabric.Cli;

/// <summary>
/// <c>fabric run SCENARIO</c>: build the scenario's topology, run its workloads and faults,
/// show progress, then print the report (and write it as a page with --report). The run's
/// journal is kept for <c>fabric replay</c>. Exit codes: 0 clean, 1 an invariant was violated,
/// 2 a bad scenario or journal.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("scenario") { Description = "the scenario to run (config/scenarios/*.hocon, see docs/scenarios.md)" };
        var journal = JournalOptions.Journal();
        journal.Description = "where the run's events go: a SQLite file (default: a new fabric-run-NAME-TIME.db here), memory, postgres or postgres://...";
        journal.DefaultValueFactory = _ => "";
        var report = new Option<FileInfo?>("--report") { Description = "also write the report as a self-contained HTML page" };
        var seed = new Option<int?>("--seed") { Description = "run with this seed instead of the scenario's" };
        var command = new Command("run", "run a scenario: topology, workloads and faults, then a report") { file, journal, report, seed };
        command.SetAction(async (parse, cancel) =>
        {
            Scenario scenario;
            try
            {
                scenario = ScenarioFile.Load(parse.GetValue(file)!.FullName);
            }
            catch (ScenarioException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 2;
            }
            if (parse.GetValue(seed) is { } s) scenario = scenario with { Seed = s };
            var where = parse.GetValue(journal);
            if (string.IsNullOrEmpty(where)) where = scenario.Journal;
            if (string.IsNullOrEmpty(where))
                where = $"fabric-run-{scenario.Name}-{DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.db";
            var config = JournalOptions.Config(where, fresh: true, out var error, ScenarioConfig.Overrides(scenario));
            if (config is null)
            {
                await Console.Error.WriteLineAsync(error);
                return 2;
            }

            RunReport result;
            if (scenario.Cluster is { } cluster)
            {
                if (await OnCluster(scenario, cluster, where, config, cancel) is not { } clustered) return 2;
                result = clustered;
            }
            else
            {
                await using var fabric = new FabricRuntime(config);
                var runner = new ScenarioRunner(fabric, scenario);
                try
                {
                    result = await WithProgress(runner, scenario, cancel);
                }
                catch (ScenarioException e)
                {
                    await Console.Error.WriteLineAsync($"{scenario.File}: {e.Message}");
                    return 2;
                }
            }
            RunConsoleReport.Print(result);
            if (parse.GetValue(report) is { } page)
            {
                await File.WriteAllTextAsync(page.FullName, HtmlReport.Render(result), cancel);
                AnsiConsole.MarkupLine($"Report written to [bold]{Markup.Escape(page.FullName)}[/]");
            }
            if (result.JournalBytes is not null)
                AnsiConsole.MarkupLine($"Journal kept: [bold]{Markup.Escape(result.Journal)}[/] (fabric replay {Markup.Escape(result.Journal)})");
            return result.Exit;
        });
        return command;
    }

    /// <summary>
    /// A scenario with a cluster: its members are started here (`fabric node` processes on
    /// 127.0.0.1, on the run's journal, with the scenario's settings), this process joins as a
    /// client and drives them; a node-kill fault kills one. Their output goes to a log beside the
    /// journal. Null (exit 2) when the cluster cannot be formed; the reason is on stderr.
    /// </summary>
    private static async Task<RunReport?> OnCluster(Scenario scenario, ClusterSpec cluster, string journal, Akka.Configuration.Config config, CancellationToken cancel)
    {
        if (journal == "memory")
        {
            await Console.Error.WriteLineAsync($"{scenario.File}: a cluster's members share one journal, and memory is not shared; name a SQLite file or postgres with --journal");
            return null;
        }
        var shared = MemberProcesses.SharedJournal(journal);
        var logFile = (shared.StartsWith("postgres", StringComparison.Ordinal) ? Path.GetFullPath($"fabric-run-{scenario.Name}") : shared) + ".nodes.log";
        await using var log = new StreamWriter(logFile) { AutoFlush = true };
        void Output(string prefix, string line)
        {
            lock (log) log.WriteLine(prefix + line);
        }
        AnsiConsole.MarkupLine($"starting {cluster.Nodes} members on 127.0.0.1:{cluster.BasePort}-{cluster.BasePort + cluster.Nodes - 1} (their output: {Markup.Escape(logFile)})");
        await using var members = await MemberProcesses.Start(cluster.Nodes, cluster.BasePort, shared, Output, ["--scenario", Path.GetFullPath(scenario.File)], cancel);
        Fabric.Hosting.Cluster.FabricNode client;
        try
        {
            client = await Fabric.Hosting.Cluster.FabricNode.Start(
                new Fabric.Hosting.Cluster.NodeOptions(0, [$"127.0.0.1:{cluster.BasePort}"], Fabric.Hosting.Cluster.NodeRole.Client),
                // The client's own log would be the killed member's disassociation, over the progress bar; the members log to the file.
                Akka.Configuration.ConfigurationFactory.ParseString("akka.loglevel = OFF").WithFallback(config), ClusterOptions.JoinTimeout);
            await AllUp(client, cluster.Nodes, ClusterOptions.JoinTimeout);
        }
        catch (TimeoutException e)
        {
            await Console.Error.WriteLineAsync($"{scenario.File}: {e.Message} (the members' output: {logFile})");
            return null;
        }
        await using (client)
        {
            var runner = new ScenarioRunner(client.Runtime, scenario)
            {
                KillNode = async (fault, rng) =>
                {
                    var index = fault.Node is { } n ? n - 1 : PickVictim(members, rng);
                    var held = await HostsOn(client.Runtime, scenario, cluster.BasePort + index);
                    var name = members.Kill(index);
                    return held.Count == 0 ? $"{name}, which ran no host" : $"{name}, which ran {string.Join(", ", held)}";
                },
            };
            try
            {
                return await WithProgress(runner, scenario, cancel);
            }
            catch (ScenarioException e)
            {
                await Console.Error.WriteLineAsync($"{scenario.File}: {e.Message}");
                return null;
            }
        }
    }

    /// <summary>The scenario's hosts that run on the member listening on <paramref name="port"/> now.</summary>
    private static async Task<List<string>> HostsOn(FabricRuntime fabric, Scenario scenario, int port)
    {
        var held = new List<string>();
        foreach (var h in scenario.Hosts)
        {
            try
            {
                var where = await Akka.Actor.Futures.Ask<Fabric.Messages.HostLocation>(fabric.Host(h.Name), Fabric.Messages.WhereIsHost.Instance, TimeSpan.FromSeconds(2));
                if (where.Node.EndsWith($":{port}", StringComparison.Ordinal)) held.Add(h.Name);
            }
            catch (Akka.Actor.AskTimeoutException)
            {
            }
        }
        return held;
    }

    /// <summary>A member still running, other than the first (the one every member joined through), picked with the fault's generator.</summary>
    private static int PickVictim(MemberProcesses members, Random rng)
    {
        var alive = Enumerable.Range(1, members.Members.Count - 1).Where(i => !members.Members[i].HasExited).ToList();
        return alive.Count == 0 ? 0 : alive[rng.Next(alive.Count)];
    }

    /// <summary>Waits until <paramref name="hosts"/> members that run hosts are up, as the client sees them.</summary>
    private static async Task AllUp(Fabric.Hosting.Cluster.FabricNode client, int hosts, TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (client.Cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up && m.Roles.Contains("host")) < hosts)
        {
            if (clock.Elapsed > limit) throw new TimeoutException($"only {client.Cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up)} members of {hosts + 1} were up after {limit.TotalSeconds:0} s");
            await Task.Delay(200);
        }
    }

    private static async Task<RunReport> WithProgress(ScenarioRunner runner, Scenario scenario, CancellationToken cancel)
    {
        var run = runner.Run(cancel);
        var started = DateTime.UtcNow;
        await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask($"{scenario.Name}: hypercalls", maxValue: 100);
                while (!run.IsCompleted)
                {
                    var byCalls = scenario.Calls is { } calls ? 100.0 * runner.Stats.Completed / calls : 0;
                    var byTime = scenario.Duration is { } d ? 100.0 * (DateTime.UtcNow - started) / d : 0;
                    task.Value = Math.Min(99, Math.Max(byCalls, byTime));
                    task.Description = $"{scenario.Name}: {runner.Stats.Completed:N0} hypercalls";
                    await Task.WhenAny(run, Task.Delay(250, CancellationToken.None));
                }
                task.Value = 100;
            });
        return await run;
    }
}
