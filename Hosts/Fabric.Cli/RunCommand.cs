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
            await using (var fabric = new FabricRuntime(config))
            {
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
