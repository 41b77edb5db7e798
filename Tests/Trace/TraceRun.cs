using Fabric.Hosting;
using Fabric.Hosting.Trace;
using Fabric.Tests.Support;

namespace Fabric.Tests.Trace;

/// <summary>What a trace run printed and returned.</summary>
internal sealed record TraceRun(int Exit, string Out, string Err)
{
    public string[] OutLines => OutputDiff.Lines(Out);
    public string[] ErrLines => OutputDiff.Lines(Err);

    /// <summary>Runs a trace file against a fresh in-memory fabric.</summary>
    public static Task<TraceRun> File(string path) => Fresh(r => r.RunFile(path));

    /// <summary>Runs a trace text, named <paramref name="name"/> in errors, against a fresh in-memory fabric.</summary>
    public static Task<TraceRun> Text(string name, string text) => Fresh(r => r.RunText(name, text));

    private static async Task<TraceRun> Fresh(Func<TraceRunner, Task<int>> run)
    {
        await using var fabric = new FabricRuntime(TestConfigs.InMemory());
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await run(new TraceRunner(fabric, output, errors));
        return new TraceRun(exit, output.ToString(), errors.ToString());
    }
}
