using Fabric.Batching;
using Fabric.Hosting.Cluster;

namespace Fabric.Tests.Batching;

public sealed class BatchingCoreTests
{
    [Fact]
    public void The_first_item_of_a_batch_asks_for_a_flush_and_a_full_batch_is_sent_at_once()
    {
        var c = new Coalescer<int>(3);
        Assert.True(c.Add(1));
        Assert.False(c.Add(2));
        Assert.False(c.Full);
        Assert.False(c.Add(3));
        Assert.True(c.Full);
        Assert.Equal([1, 2, 3], c.Drain());
        Assert.Equal(0, c.Count);
        Assert.True(c.Add(4));
    }

    [Fact]
    public void A_tag_finds_its_caller_once_and_never_0()
    {
        var tags = new HcallTags<string>();
        var a = tags.Add("a", callerTag: 7, now: 0);
        var b = tags.Add("b", callerTag: 0, now: 0);
        Assert.NotEqual(0, a);
        Assert.NotEqual(a, b);

        Assert.True(tags.Take(a, out var caller, out var callerTag));
        Assert.Equal(("a", 7L), (caller, callerTag));
        Assert.False(tags.Take(a, out _, out _));
        Assert.False(tags.Take(0, out _, out _));
        Assert.Equal(1, tags.Count);
    }

    [Fact]
    public void Calls_whose_answers_never_came_are_forgotten_after_a_while()
    {
        var tags = new HcallTags<string>();
        var old = tags.Add("old", 0, now: 10);
        var recent = tags.Add("recent", 0, now: 100);

        Assert.Equal(1, tags.Forget(sentBefore: 50));
        Assert.False(tags.Take(old, out _, out _));
        Assert.True(tags.Take(recent, out _, out _));
    }
}
