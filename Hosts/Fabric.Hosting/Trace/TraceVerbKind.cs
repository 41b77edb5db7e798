namespace Fabric.Hosting.Trace;

/// <summary>Whether a statement builds the fabric or calls into it.</summary>
public enum TraceVerbKind
{
    /// <summary>Builds topology; prints nothing unless it fails (then its echo and <c>ret=-errno</c>).</summary>
    Setup,

    /// <summary>A guest or device call; always prints its echo followed by its results.</summary>
    Call,
}
