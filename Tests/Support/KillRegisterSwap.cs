using Akka.Actor;
using Fabric.Hosting;

namespace Fabric.Tests.Support;

public static class KillRegisterSwap
{
    /// <summary>
    /// Puts <paramref name="register"/> in place of a group's kill register. The PE installs its
    /// own when its actor starts, which may be after the set-up answered: wait for that first, so
    /// the PE cannot overwrite the replacement.
    /// </summary>
    public static void Replace(FabricRuntime f, int group, IActorRef register, string host = "h0")
    {
        var registers = f.Memory(host).KillRegisters;
        if (!SpinWait.SpinUntil(() => registers.TryGetValue(group, out var own) && own.Path.Name == "kill", TimeSpan.FromSeconds(10)))
            throw new TimeoutException($"PE {group} of {host} did not install its kill register");
        registers[group] = register;
    }
}
