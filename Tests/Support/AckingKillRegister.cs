using Akka.Actor;
using Akka.TestKit;
using Fabric.Hosting;
using Fabric.Messages;

namespace Fabric.Tests.Support;

public static class AckingKillRegister
{
    /// <summary>Puts a probe in place of a group's kill register: it records what it is asked and acknowledges it.</summary>
    public static TestProbe Install(TestKitBase kit, FabricRuntime f, int group)
    {
        var probe = kit.CreateTestProbe();
        probe.SetAutoPilot(new DelegateAutoPilot((sender, msg) =>
        {
            if (msg is TceKill k) sender.Tell(new TceKilled(group, k.Token));
            return AutoPilot.KeepRunning;
        }));
        KillRegisterSwap.Replace(f, group, probe.Ref);
        return probe;
    }
}
