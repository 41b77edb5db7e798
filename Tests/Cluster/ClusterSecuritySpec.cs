using Akka.Cluster;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Dsl;
using Akka.Configuration;
using Fabric.Hosting.Cluster;
using Fabric.Messages;
using Fabric.Tests.Serialization;
using Fabric.Tests.Support;

namespace Fabric.Tests.Cluster;

/// <summary>What a peer can and cannot make a member do: types outside the allow-list, TLS without the certificate.</summary>
public sealed class ClusterSecuritySpec
{
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_member_refuses_a_type_outside_its_allow_list_sent_by_a_peer_and_keeps_serving()
    {
        await using var cluster = await TestCluster.Start(1);
        var receiver = cluster.Members[0];
        var echo = receiver.System.ActorOf(dsl => dsl.ReceiveAny((m, ctx) => ctx.Sender.Tell(m)), "echo");
        // A peer whose serializer also scans this test assembly writes ForeignHypercall; the receiver's does not read it.
        var peer = await cluster.Add(NodeRole.Client, ConfigurationFactory.ParseString(
            "akka.actor.serialization-settings.fabric-hyperion.assemblies = [Fabric.Messages, Fabric.Actors, Fabric.Tests]"));
        var remoteEcho = await peer.System.ActorSelection(echo.Path.ToStringWithAddress(receiver.Address)).ResolveOne(Ask);

        var foreign = new ForeignHypercall(1, 2);
        var bytes = peer.System.Serialization.FindSerializerFor(foreign).ToBinary(foreign);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() =>
            receiver.System.Serialization.FindSerializerFor(foreign).FromBinary(bytes, typeof(object)));

        await Assert.ThrowsAsync<AskTimeoutException>(() => remoteEcho.Ask<object>(foreign, TimeSpan.FromSeconds(2)));

        var allowed = new HGetTce(1, 2);
        Assert.Equal(allowed, await remoteEcho.Ask<object>(allowed, Ask));
    }

    [Fact]
    public async Task A_member_refuses_a_json_payload_sent_by_a_peer_and_keeps_serving()
    {
        await using var cluster = await TestCluster.Start(1);
        var receiver = cluster.Members[0];
        var echo = receiver.System.ActorOf(dsl => dsl.ReceiveAny((m, ctx) => ctx.Sender.Tell(m)), "echo");
        // A peer that still has Akka's JSON serializer and writes a foreign type, and even a
        // protocol type, as JSON (type names in the payload).
        var peer = await cluster.Add(NodeRole.Client, ConfigurationFactory.ParseString("""
            akka.actor.serializers.json = "Akka.Serialization.NewtonSoftJsonSerializer, Akka"
            akka.actor.serialization-bindings {
              "Fabric.Tests.Serialization.Foreign, Fabric.Tests" = json
              "Fabric.Messages.HGetTce, Fabric.Messages" = json
            }
            """));
        var remoteEcho = await peer.System.ActorSelection(echo.Path.ToStringWithAddress(receiver.Address)).ResolveOne(Ask);
        Assert.Equal(1, peer.System.Serialization.FindSerializerFor(new Foreign("x")).Identifier);

        await Assert.ThrowsAsync<AskTimeoutException>(() => remoteEcho.Ask<object>(new Foreign("x"), TimeSpan.FromSeconds(2)));
        await Assert.ThrowsAsync<AskTimeoutException>(() => remoteEcho.Ask<object>(new HGetTce(1, 2), TimeSpan.FromSeconds(2)));

        var allowed = new HPutTce(1, 2, 3);
        Assert.Equal(allowed, await remoteEcho.Ask<object>(allowed, Ask));
    }

    [Fact]
    public async Task With_TLS_on_a_member_with_the_cluster_certificate_joins_and_one_without_it_cannot()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-tls-");
        try
        {
            var clusterCert = SelfSigned(dir, "cluster");
            var otherCert = SelfSigned(dir, "other");
            await using var cluster = await TestCluster.Start(1, Tls(clusterCert));

            var member = await cluster.Add(NodeRole.Client, Tls(clusterCert));
            // Up for itself, the member may not have gossiped with the seed yet: wait for both.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (member.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up) < 2 && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.Equal(2, member.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up));

            await Assert.ThrowsAsync<TimeoutException>(() => cluster.Add(NodeRole.Client, Tls(otherCert), joinTimeout: TimeSpan.FromSeconds(3)));
            await Assert.ThrowsAsync<TimeoutException>(() => cluster.Add(NodeRole.Client,
                ConfigurationFactory.ParseString("fabric.cluster.tls.enabled = off"), joinTimeout: TimeSpan.FromSeconds(3)));
            Assert.Equal(2, cluster.Members[0].Cluster.State.Members.Count);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static Config Tls(string pfx) => ConfigurationFactory.ParseString($"""
        fabric.cluster.tls.enabled = on
        fabric.cluster.tls.certificate = "{pfx}"
        fabric.cluster.tls.password = "test-only"
        """);

    /// <summary>A self-signed certificate with its key, as a .pfx file: no tool outside .NET.</summary>
    private static string SelfSigned(DirectoryInfo dir, string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.Combine(dir.FullName, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "test-only"));
        return path;
    }
}
