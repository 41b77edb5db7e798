using System.Collections;
using System.Reflection;
using Fabric.Messages;
using Xunit;

namespace Fabric.Tests.Serialization;

/// <summary>
/// Builds an instance of any protocol record by filling its primary constructor with distinct,
/// non-default values, so a field the serializer drops or mixes up shows in the comparison.
/// </summary>
public static class Samples
{
    public static readonly Assembly Protocol = typeof(IFabricMessage).Assembly;

    /// <summary>Every concrete record or message type of Fabric.Messages.</summary>
    public static IEnumerable<Type> ProtocolTypes() =>
        Protocol.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false }
                && (t.GetMethod("<Clone>$") is not null || typeof(IFabricMessage).IsAssignableFrom(t)))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    public static object Create(Type type)
    {
        var seed = 0;
        return Make(type, ref seed, depth: 0);
    }

    static object Make(Type t, ref int seed, int depth)
    {
        if (depth > 10) throw new InvalidOperationException($"{t} nests too deep for a sample");
        seed++;
        var u = Nullable.GetUnderlyingType(t);
        if (u is not null) return Make(u, ref seed, depth);
        if (t == typeof(string)) return $"s{seed}";
        if (t == typeof(bool)) return seed % 2 == 1;
        if (t == typeof(ulong)) return 0xC000_0000_0000_0000UL + (ulong)seed * 0x1001;
        if (t == typeof(long)) return -1000L * seed;
        if (t == typeof(int)) return 7 * seed;
        if (t == typeof(uint)) return (uint)(11 * seed);
        if (t.IsEnum)
        {
            var values = Enum.GetValues(t);
            return values.GetValue(seed % values.Length)!;
        }
        if (t.IsArray)
        {
            var element = t.GetElementType()!;
            var array = Array.CreateInstance(element, 3);
            for (var i = 0; i < array.Length; i++) array.SetValue(Make(element, ref seed, depth + 1), i);
            return array;
        }
        if (t.IsAbstract || t.IsInterface)
        {
            // Rotate over the implementations so an array of an abstract type mixes them.
            var impls = ProtocolTypes().Where(t.IsAssignableFrom).ToArray();
            if (impls.Length == 0) throw new InvalidOperationException($"no protocol type implements {t}");
            return Make(impls[seed % impls.Length], ref seed, depth + 1);
        }
        var ctor = t.GetConstructors()
            .Where(c => !c.GetParameters().Any(p => p.ParameterType == t))
            .MaxBy(c => c.GetParameters().Length)
            ?? throw new InvalidOperationException($"no public constructor on {t}");
        var args = new object?[ctor.GetParameters().Length];
        for (var i = 0; i < args.Length; i++) args[i] = Make(ctor.GetParameters()[i].ParameterType, ref seed, depth + 1);
        return ctor.Invoke(args);
    }

    /// <summary>Whether the type's value equality is by reference somewhere (an array inside).</summary>
    public static bool HoldsArray(Type t) =>
        t.IsArray || (t.Assembly == Protocol && !t.IsEnum
            && t.GetProperties(BindingFlags.Instance | BindingFlags.Public).Any(p => HoldsArray(p.PropertyType)));

    /// <summary>Structural equality: arrays element by element, objects property by property.</summary>
    public static void AssertDeepEqual(object? expected, object? actual, string path = "$")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: {expected ?? "null"} vs {actual ?? "null"}");
            return;
        }
        Assert.True(expected.GetType() == actual.GetType(), $"{path}: {expected.GetType()} vs {actual.GetType()}");
        var t = expected.GetType();
        if (t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal))
        {
            Assert.True(expected.Equals(actual), $"{path}: {expected} vs {actual}");
            return;
        }
        if (expected is IList list)
        {
            var other = (IList)actual;
            Assert.True(list.Count == other.Count, $"{path}: {list.Count} vs {other.Count} elements");
            for (var i = 0; i < list.Count; i++) AssertDeepEqual(list[i], other[i], $"{path}[{i}]");
            return;
        }
        foreach (var p in t.GetProperties(BindingFlags.Instance | BindingFlags.Public).Where(p => p.GetIndexParameters().Length == 0))
            AssertDeepEqual(p.GetValue(expected), p.GetValue(actual), $"{path}.{p.Name}");
    }
}
