using System.CommandLine;
using Fabric.Cli;

var root = new RootCommand("Fabric: a distributed, event-sourced model of the PowerPC sPAPR I/O virtualization fabric")
{
    TraceCommand.Create(),
    ReplayCommand.Create(),
    NodeCommand.Create(),
    UpCommand.Create(),
    StatusCommand.Create(),
    WorkloadCommand.Create(),
    RunCommand.Create(),
};
// Ctrl-C: a cluster member leaves (hands its hosts over) before the process ends.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
