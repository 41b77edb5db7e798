namespace Fabric.Hosting.Trace;

/// <summary>How the value of a trace key is written and parsed.</summary>
public enum TraceValueKind
{
    /// <summary>A 64-bit unsigned number, decimal (4096) or 0x hex (0x1000). Echoes as 0x hex.</summary>
    Number,

    /// <summary>
    /// A number that may end in a binary size suffix: K (1024), M (1024^2) or G (1024^3), e.g. 2G.
    /// Echoes as 0x hex, like every number (ram=2G echoes ram=0x80000000).
    /// </summary>
    Size,

    /// <summary>Comma-separated numbers, no spaces (1,2 or 0x1003,0x2003). Echoes each as 0x hex.</summary>
    NumberList,

    /// <summary>A name: a letter, then letters, digits, '_', '-' or '.' (g, h0, c0). Echoes as given.</summary>
    Name,

    /// <summary>One of a fixed set of words (read|write, on|off). Echoes as given.</summary>
    Word,
}
