using Akka.Configuration;
using Fabric.Messages;

namespace Fabric.Eeh;

/// <summary>
/// When a host PE gives up: more than <see cref="MaxFreezes"/> freezes inside one
/// <see cref="FreezeWindow"/> leave it permanently failed (eeh_max_freezes and
/// eeh_pe_update_time_stamp in arch/powerpc/kernel/eeh_driver.c: 5 and 3600 s).
/// </summary>
public sealed record EehPolicy(int MaxFreezes, TimeSpan FreezeWindow)
{
    public static EehPolicy Linux { get; } = new(5, TimeSpan.FromSeconds(3600));

    /// <summary>The PHB froze the PE, counted against this policy.</summary>
    public HostPeEeh Freeze(HostPeEeh pe, TimeSpan now) => pe.Freeze(now, MaxFreezes, FreezeWindow);

    /// <summary>fabric.eeh.max-freezes and fabric.eeh.freeze-window.</summary>
    public static EehPolicy From(Config config) => new(
        config.GetInt("fabric.eeh.max-freezes", Linux.MaxFreezes),
        config.GetTimeSpan("fabric.eeh.freeze-window", Linux.FreezeWindow));
}
