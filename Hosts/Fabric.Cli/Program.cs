using System.CommandLine;
using Fabric.Cli;

var root = new RootCommand("Fabric: a distributed, event-sourced model of the PowerPC sPAPR I/O virtualization fabric")
{
    TraceCommand.Create(),
    ReplayCommand.Create(),
    RunCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
