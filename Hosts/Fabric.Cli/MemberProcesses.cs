using System.Diagnostics;

namespace Fabric.Cli;

/// <summary>
/// <c>fabric node</c> processes on 127.0.0.1 sharing one journal, the first the seed of the
/// others: what <c>fabric up</c> starts, and <c>fabric run</c> for a scenario with a cluster.
/// Each member leaves when its standard input closes; one that has not left in 30 s is killed.
/// </summary>
public sealed class MemberProcesses : IAsyncDisposable
{
    private readonly List<Process> _members = [];
    private readonly Action<string, string> _output;

    public int FirstPort { get; }
    public IReadOnlyList<Process> Members => _members;

    /// <param name="output">Where each line a member prints goes, with the member's prefix ("[4053] ").</param>
    private MemberProcesses(int firstPort, Action<string, string> output) => (FirstPort, _output) = (firstPort, output);

    /// <summary>Starts <paramref name="n"/> members; <paramref name="extra"/> is added to each one's command line.</summary>
    public static async Task<MemberProcesses> Start(int n, int firstPort, string journal, Action<string, string> output, string[] extra, CancellationToken cancel)
    {
        var members = new MemberProcesses(firstPort, output);
        try
        {
            for (var i = 0; i < n; i++)
            {
                string[] args = ["node", "--port", $"{firstPort + i}", "--journal", journal, "--until-stdin-closes", .. extra,
                    .. i == 0 ? Array.Empty<string>() : ["--seed", $"127.0.0.1:{firstPort}"]];
                members._members.Add(members.StartOne(args, $"[{firstPort + i}] "));
                // The seed first, so the others find it listening.
                if (i == 0) await Task.Delay(TimeSpan.FromSeconds(2), cancel);
            }
        }
        catch
        {
            await members.DisposeAsync();
            throw;
        }
        return members;
    }

    /// <summary>The journal as every member must name it: a relative SQLite file is made absolute.</summary>
    public static string SharedJournal(string journal) =>
        journal == "memory" || journal.StartsWith("postgres", StringComparison.Ordinal) ? journal : Path.GetFullPath(journal);

    /// <summary>Kills member <paramref name="index"/> (0 = the first) at once, as a crash of its machine would; names it.</summary>
    public string Kill(int index)
    {
        var m = _members[index];
        var name = $"node {index + 1} (127.0.0.1:{FirstPort + index}, pid {m.Id})";
        if (!m.HasExited) m.Kill(entireProcessTree: true);
        return name;
    }

    /// <summary>This same program with <paramref name="args"/>, its lines prefixed and passed to the output.</summary>
    private Process StartOne(string[] args, string prefix)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Under `dotnet fabric.dll` the program is the dll, not the host.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(MemberProcesses).Assembly.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        var p = Process.Start(start) ?? throw new InvalidOperationException($"{self} did not start");
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) _output(prefix, e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output(prefix, e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Closes each member's input (it leaves the cluster), the last started first; kills one that has not left in 30 s.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var m in Enumerable.Reverse(_members))
        {
            if (!m.HasExited) m.StandardInput.Close();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await m.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                m.Kill(entireProcessTree: true);
                await m.WaitForExitAsync();
            }
        }
    }
}
