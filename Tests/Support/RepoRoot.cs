namespace Fabric.Tests.Support;

/// <summary>The repository's folders, found from the test binaries' location.</summary>
public static class RepoRoot
{
    /// <summary>The folder holding Fabric.sln, walking up from <see cref="AppContext.BaseDirectory"/>.</summary>
    public static string Path { get; } = Find();

    /// <summary>config/traces: the shipped traces and their expected output.</summary>
    public static string Traces => System.IO.Path.Combine(Path, "config", "traces");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Fabric.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Fabric.sln in {AppContext.BaseDirectory} or any folder above it.");
    }
}
