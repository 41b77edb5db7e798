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
            var journalArg = parse.GetValue(journal)!;
            // A relative SQLite file means the same file for every member.
            if (journalArg != "memory" && !journalArg.StartsWith("postgres", StringComparison.Ordinal)) journalArg = Path.GetFullPath(journalArg);
            var members = new List<Process>();
            try
            {
                for (var i = 0; i < n; i++)
                {
                    string[] args = ["node", "--port", $"{first + i}", "--journal", journalArg, "--until-stdin-closes", .. i == 0 ? Array.Empty<string>() : ["--seed", $"127.0.0.1:{first}"]];
                    members.Add(Start(args, $"[{first + i}] "));
                    // The seed first, so the others find it listening.
                    if (i == 0) await Task.Delay(TimeSpan.FromSeconds(2), cancel);
                }
                Console.WriteLine($"{n} members on 127.0.0.1:{first}-{first + n - 1}; `fabric status --cluster 127.0.0.1:{first}` shows them; Ctrl-C stops them");
                await Task.WhenAny(Task.WhenAll(members.Select(m => m.WaitForExitAsync(CancellationToken.None))), Task.Delay(Timeout.Infinite, cancel)).ContinueWith(_ => { });
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                await Stop(members);
            }
            return members.All(m => m.ExitCode == 0) ? 0 : 1;
        });
        return command;
    }

    /// <summary>This same program with <paramref name="args"/>, its lines prefixed and passed through.</summary>
    private static Process Start(string[] args, string prefix)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Under `dotnet fabric.dll` the program is the dll, not the host.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(UpCommand).Assembly.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        var p = Process.Start(start) ?? throw new InvalidOperationException($"{self} did not start");
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine(prefix + e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(prefix + e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Closes each member's input (it leaves the cluster), the last started first; kills one that has not left in 30 s.</summary>
    private static async Task Stop(List<Process> members)
    {
        foreach (var m in Enumerable.Reverse(members))
        {
            if (!m.HasExited) m.StandardInput.Close();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await m.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                m.Kill();
                await m.WaitForExitAsync();
            }
        }
    }
}
