using Fabric.Hosting.Replay;

namespace Fabric.Tests.Replay;

public sealed class HoconShapeTests
{
    [Theory]
    [InlineData("fabric { kvm { acceleration = off } }\n")]
    [InlineData("# { not code\n// [ nor this\nfabric.durability = \"strict\" # }\n")]
    [InlineData("a = \"\"\"{ [\nmore\"\"\"\nb = [1, 2]\n")]
    [InlineData("a = \"a \\\" quote { \"\n")]
    public void Balanced_text_passes(string text) => Assert.Null(HoconShape.Check(text));

    [Theory]
    [InlineData("fabric { x = [\n", 1, "the '[' here is never closed")]
    [InlineData("a = 1\nfabric {\n", 2, "the '{' here is never closed")]
    [InlineData("a = 1 }\n", 1, "'}' closes nothing")]
    [InlineData("a = [\n1 }\n", 2, "'}' closes the '[' of line 1")]
    [InlineData("\na = \"open\nb = 2\n", 2, "a quoted string is not closed on its line")]
    [InlineData("a = \"\"\"never\n", 1, "a \"\"\" string is never closed")]
    public void The_first_problem_names_its_line(string text, int line, string problem) =>
        Assert.Equal((line, problem), HoconShape.Check(text));
}
