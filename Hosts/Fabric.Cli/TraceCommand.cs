using System.CommandLine;
using Fabric.Hosting;
using Fabric.Hosting.Trace;

namespace Fabric.Cli;

/// <summary><c>fabric trace FILE</c>: run a trace against a fresh fabric and print one line per call.</summary>
public static class TraceCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "the trace to run (see docs/trace-format.md)" };
        var journal = JournalOptions.Journal();
        var cluster = ClusterOptions.Seeds("--cluster", "run it on a running cluster instead, joined through HOST:PORT (repeat for several); --journal is then the cluster's");
        var command = new Command("trace", "run a trace file against a fresh fabric") { file, journal, cluster };
        command.SetAction(async (parse, _) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"{path.FullName}: no such trace file");
                return 2;
            }
            if (parse.GetValue(cluster) is { Length: > 0 } seeds)
            {
                var seedList = ClusterOptions.CheckSeeds(seeds, out var seedError);
                if (seedList is null)
                {
                    await Console.Error.WriteLineAsync(seedError);
                    return 2;
                }
                return await ClusterOptions.AsClient(seedList, null, null, JournalOptions.Config("memory", fresh: false, out string _)!,
                    node => new TraceRunner(node.Runtime, Console.Out, Console.Error).RunFile(path.FullName));
            }
            var config = JournalOptions.Config(parse.GetValue(journal), fresh: true, out var error);
            if (config is null)
            {
                await Console.Error.WriteLineAsync(error);
                return 2;
            }
            await using var fabric = new FabricRuntime(config);
            return await new TraceRunner(fabric, Console.Out, Console.Error).RunFile(path.FullName);
        });
        return command;
    }
}
