using System.Runtime.CompilerServices;

namespace Fabric.Tests.Support;

/// <summary>
/// The test host holds thread-pool threads of its own blocked for the whole run (the xunit
/// adapter waits on one per assembly), and on 2 cores the pool starts with 2 and adds one only
/// every half second or so when it sees no progress. What the tests run on the pool (a scenario's
/// fault timers, its devices, Ask continuations) then queued for a second and more: a freeze due
/// every 300 ms came late enough that a 1.5 s run injected one. `fabric` has no such threads.
/// </summary>
internal static class TestHostThreadPool
{
    [ModuleInitializer]
    internal static void Widen()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), io);
    }
}
