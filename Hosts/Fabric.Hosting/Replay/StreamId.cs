using System.Globalization;

namespace Fabric.Hosting.Replay;

/// <summary>The three kinds of Fabric stream in a journal, by persistence id.</summary>
public enum StreamKind
{
    /// <summary><c>host/&lt;host&gt;</c>: the topology of one host.</summary>
    Host,

    /// <summary><c>tce/&lt;host&gt;/&lt;vm&gt;/0x&lt;liobn&gt;</c>: one TCE table's links and calls.</summary>
    Tce,

    /// <summary><c>pe/&lt;host&gt;/&lt;phb&gt;.&lt;pe&gt;</c>: one host PE's owner and DMAs.</summary>
    Pe,
}

/// <summary>What a Fabric persistence id names. Vm and Liobn are set for TCE streams, Phb and Group for PE streams.</summary>
public sealed record StreamId(StreamKind Kind, string Host, string Vm = "", ulong Liobn = 0, int Phb = 0, int Group = 0)
{
    /// <summary>True when the persistence id belongs to one of Fabric's streams (by its prefix).</summary>
    public static bool IsFabric(string persistenceId) =>
        persistenceId.StartsWith("host/", StringComparison.Ordinal) ||
        persistenceId.StartsWith("tce/", StringComparison.Ordinal) ||
        persistenceId.StartsWith("pe/", StringComparison.Ordinal);

    /// <summary>Parses a Fabric persistence id; false with the expected form when it is malformed.</summary>
    public static bool TryParse(string persistenceId, out StreamId? id, out string expected)
    {
        id = null;
        var parts = persistenceId.Split('/');
        switch (parts[0])
        {
            case "host":
                expected = "host/<host>";
                if (parts.Length != 2 || parts[1].Length == 0) return false;
                id = new StreamId(StreamKind.Host, parts[1]);
                return true;
            case "tce":
                expected = "tce/<host>/<vm>/0x<liobn>";
                // A VM name may hold '/': the host is the first part, the LIOBN the last.
                if (parts.Length < 4 || parts[1].Length == 0 || !TryHex(parts[^1], out var liobn)) return false;
                var vm = string.Join('/', parts[2..^1]);
                if (vm.Length == 0) return false;
                id = new StreamId(StreamKind.Tce, parts[1], Vm: vm, Liobn: liobn);
                return true;
            case "pe":
                expected = "pe/<host>/<phb>.<pe>";
                if (parts.Length != 3 || parts[1].Length == 0) return false;
                var dot = parts[2].IndexOf('.');
                if (dot < 0 ||
                    !int.TryParse(parts[2].AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var phb) ||
                    !int.TryParse(parts[2].AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var group))
                    return false;
                id = new StreamId(StreamKind.Pe, parts[1], Phb: phb, Group: group);
                return true;
            default:
                expected = "host/<host>, tce/<host>/<vm>/0x<liobn> or pe/<host>/<phb>.<pe>";
                return false;
        }
    }

    private static bool TryHex(string s, out ulong value)
    {
        value = 0;
        return s.StartsWith("0x", StringComparison.Ordinal) &&
               ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
