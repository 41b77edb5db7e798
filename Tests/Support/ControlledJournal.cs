using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.TestKit;
using Fabric.Hosting;
using Fabric.Persistence;

namespace Fabric.Tests.Support;

/// <summary>
/// A fabric whose journal is Akka.Persistence.TestKit's TestJournal (in memory), which a test can
/// make fail, hold or release writes and recoveries through interceptors.
/// </summary>
public static class ControlledJournal
{
    /// <summary>The fabric's configuration with <paramref name="settings"/> (HOCON) on top and the TestJournal as its journal.</summary>
    public static Config Config(string settings) => FabricConfig.Build(JournalKind.Memory, overrides: ConfigurationFactory.ParseString(settings + """

        akka.persistence.journal.plugin = "akka.persistence.journal.test"
        akka.persistence.journal.test {
          class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """));

    /// <summary>The system's journal, to set interceptors on.</summary>
    public static ITestJournal Of(ActorSystem system) => TestJournal.FromRef(Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null));
}
