using Fabric.Hosting.Trace;
using Xunit;

namespace Fabric.Tests.Trace;

/// <summary>Shorthands for the trace tests.</summary>
internal static class TraceTestKit
{
    /// <summary>The single statement of a one-line trace.</summary>
    public static TraceStatement One(string line) => Assert.Single(TraceParser.ParseText("t.trace", line));

    /// <summary>The echo of a one-line trace.</summary>
    public static string Echo(string line) => TraceOutput.Echo(One(line));

    /// <summary>The error the trace <paramref name="text"/>, named q.trace, stops at.</summary>
    public static TraceError ErrorOf(string text) =>
        Assert.Throws<TraceFormatException>(() => TraceParser.ParseText("q.trace", text)).Error;

    /// <summary>The full error text (<c>q.trace:N: message</c>) of a trace.</summary>
    public static string ErrorText(string text) => ErrorOf(text).Text;
}
