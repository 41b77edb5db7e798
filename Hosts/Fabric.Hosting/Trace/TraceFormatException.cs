namespace Fabric.Hosting.Trace;

/// <summary>A malformed trace line. <see cref="Exception.Message"/> is the full <c>FILE:LINE: message</c>.</summary>
public sealed class TraceFormatException(TraceError error) : Exception(error.Text)
{
    public TraceError Error { get; } = error;
}
