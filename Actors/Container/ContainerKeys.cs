namespace Fabric.Container;

public static class ContainerKeys
{
    /// <summary>The host-unique key of a container's hardware window: "container/window".</summary>
    public static string Window(string container, int window) => $"{container}/{window}";
}
