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
        var command = new Command("trace", "run a trace file against a fresh fabric") { file, journal };
        command.SetAction(async (parse, _) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"{path.FullName}: no such trace file");
                return 2;
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
