namespace Fabric.Hosting.Scenario;

/// <summary>A scenario that cannot run; the message names the file, the line, the key and the fix.</summary>
public sealed class ScenarioException(string message) : Exception(message);
