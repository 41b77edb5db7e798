namespace Fabric.Hosting.Trace;

/// <summary>
/// What is wrong with a trace line and how to fix it. Prints as <c>FILE:LINE: message</c>,
/// the form <c>fabric trace</c> writes to stderr before exiting with code 2.
/// </summary>
/// <param name="File">The trace file's name as the user gave it.</param>
/// <param name="Line">1-based line number.</param>
/// <param name="Message">What is wrong and how to fix it, without the location.</param>
public sealed record TraceError(string File, int Line, string Message)
{
    /// <summary><c>FILE:LINE: message</c>.</summary>
    public string Text => $"{File}:{Line}: {Message}";

    public override string ToString() => Text;
}
