using System.Diagnostics;
using Akka.Actor;
using Fabric.Messages;

namespace Fabric.Eeh;

/// <summary>A host PE joins its guest PE (sent by the PE itself, so the guest PE has its address).</summary>
public sealed record JoinGuestPe(IActorRef GuestPe);

/// <summary>The PE behind a group of this guest PE; Sender is the PE actor.</summary>
public sealed record GuestPeMember(int Group);

/// <summary>
/// One guest PE over several host PEs. A freeze any of them reports (a DMA fault, an injected
/// error, a PHB error) opens an episode: the guest PE freezes every other host PE at once and,
/// when all have answered, the guest gets one EEH event with the next serial number. Freezes
/// racing on two host PEs open one episode, not two; it closes when every host PE runs again.
/// The host PEs keep and journal their own states; this actor only keeps them together.
/// </summary>
public sealed class GuestPeActor : ReceiveActor, IWithUnboundedStash
{
    private readonly string _host;
    private readonly string _vm;
    private readonly int _id;
    private readonly Dictionary<int, IActorRef> _members = new();
    private readonly Dictionary<int, HostPeEeh> _states = new();
    private readonly HashSet<int> _waiting = new();
    private readonly List<GuestEehEvent> _events = new();
    private readonly Stopwatch _spread = new();
    private bool _episode;

    public IStash Stash { get; set; } = null!;
    private int _first;
    private long _serial;

    public GuestPeActor(string host, string vm, int id, int[] groups)
    {
        _host = host;
        _vm = vm;
        _id = id;
        foreach (var g in groups) _states[g] = HostPeEeh.Normal;
        Receive<GuestPeMember>(m => _members[m.Group] = Sender);
        Receive<HostPeEehReported>(OnReported);
        Receive<EehFrozen>(f => Settled(f.Group));
        // A freeze still spreading is answered once it has reached every host PE.
        Receive<GetGuestPeReport>(_ =>
        {
            if (_waiting.Count > 0) Stash.Stash();
            else Sender.Tell(new GuestPeReport([.. _events], [.. _states.OrderBy(s => s.Key).Select(s => s.Value.Name)]));
        });
    }

    public static Props Props(string host, string vm, int id, int[] groups) =>
        Akka.Actor.Props.Create(() => new GuestPeActor(host, vm, id, groups));

    private void OnReported(HostPeEehReported r)
    {
        if (!_states.ContainsKey(r.Group)) return;
        _states[r.Group] = r.State;
        if (r.State.IsFrozen && !r.BySiblings && !_episode)
        {
            // The first freeze of an episode: every sibling follows before the guest is told.
            _episode = true;
            _first = r.Group;
            _spread.Restart();
            foreach (var (g, pe) in _members)
            {
                if (g == r.Group) continue;
                _waiting.Add(g);
                pe.Tell(new EehFreeze($"guest PE {_vm}/{_id}: host PE {r.Group} froze", BySiblings: true));
            }
            if (_waiting.Count == 0) Tell();
        }
        else if (_episode && _states.Values.All(s => !s.IsFrozen && !s.ResetAsserted))
        {
            _episode = false;
        }
    }

    private void Settled(int group)
    {
        if (_waiting.Remove(group) && _waiting.Count == 0) Tell();
    }

    /// <summary>Every host PE is frozen: the guest's one EEH event of this episode.</summary>
    private void Tell()
    {
        var e = new GuestEehEvent(_host, _vm, _id, ++_serial, _first, (long)(_spread.Elapsed.TotalMilliseconds * 1000));
        _events.Add(e);
        Context.System.EventStream.Publish(e);
        Stash.UnstashAll();
    }
}
