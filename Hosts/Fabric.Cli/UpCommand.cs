using System.CommandLine;
using System.Diagnostics;

namespace Fabric.Cli;

/// <summary>
/// <c>fabric up --nodes N</c>: N <c>fabric node</c> processes on 127.0.0.1 sharing one journal,
/// the first one the seed of the others; Ctrl-C makes each leave and waits for them.
/// </summary>
public static class UpCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "how many members to start", DefaultValueFactory = _ => 3 };
        var basePort = new Option<int>("--base-port") { Description = "the first member's port; the others take the next ones", DefaultValueFactory = _ => 4053 };
        var journal = new Option<string>("--journal")
        {
            Description = "the journal they share: a SQLite file, or postgres / postgres://... (see `fabric node`)",
            DefaultValueFactory = _ => "fabric.db",
        };
        var command = new Command("up", "start a cluster of several `fabric node` processes on this machine") { nodes, basePort, journal };
        command.SetAction(async (parse, cancel) =>
        {
            var n = parse.GetValue(nodes);
            var first = parse.GetValue(basePort);
            if (n is < 1 or > 64 || first is < 1 or > 65535 - 64)
            {
                await Console.Error.WriteLineAsync($"--nodes {n} --base-port {first}: expected 1 to 64 nodes on ports from 1 to {65535 - 64}");
                return 2;
            }
            var journalArg = MemberProcesses.SharedJournal(parse.GetValue(journal)!);
            MemberProcesses members;
            try
            {
                members = await MemberProcesses.Start(n, first, journalArg, (prefix, line) => Console.WriteLine(prefix + line), [], cancel);
            }
            catch (OperationCanceledException)
            {
                return 1;
            }
            await using (members)
            {
                Console.WriteLine($"{n} members on 127.0.0.1:{first}-{first + n - 1}; `fabric status --cluster 127.0.0.1:{first}` shows them; Ctrl-C stops them");
                await Task.WhenAny(Task.WhenAll(members.Members.Select(m => m.WaitForExitAsync(CancellationToken.None))), Task.Delay(Timeout.Infinite, cancel)).ContinueWith(_ => { });
            }
            return members.Members.All(m => m.ExitCode == 0) ? 0 : 1;
        });
        return command;
    }
}
