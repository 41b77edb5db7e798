using System.Diagnostics;

namespace Fabric.Tests.Support;

/// <summary>Starts the built `fabric` program (fabric.dll, copied next to the tests) as a user runs it.</summary>
public static class FabricProcess
{
    public static Process Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts fabric.dll with <paramref name="args"/> and <paramref name="environment"/> added to the environment.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fabric.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    /// <summary>What a finished run of the program printed, and its exit code.</summary>
    public sealed record Run(int Exit, string Out, string Err);

    /// <summary>Runs fabric.dll to the end; kills it and fails the test if it runs past <paramref name="limit"/>.</summary>
    public static async Task<Run> RunAsync(TimeSpan limit, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Start(environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"fabric {string.Join(' ', args)} ran longer than {limit.TotalSeconds} s and was killed");
        }
        return new Run(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The dotnet host running these tests (the SDK sets DOTNET_HOST_PATH), else `dotnet` on the PATH.</summary>
    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
