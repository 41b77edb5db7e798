using System.Reflection;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Util;
using Fabric.Messages;
using Hyperion;
using HySerializer = Hyperion.Serializer;

namespace Fabric.Serialization;

/// <summary>
/// Hyperion behind a type allow-list: a peer or a journal row can only make this node build
/// protocol types (every <see cref="IFabricMessage"/> and what its fields hold) and actor refs.
/// Settings (akka.actor.serialization-settings.fabric-hyperion):
/// <c>assemblies</c> = the assemblies scanned for <see cref="IFabricMessage"/> types.
/// </summary>
public sealed class FabricHyperionSerializer : Akka.Serialization.Serializer
{
    /// <summary>Written in every journal row and remote envelope: never change it.</summary>
    public const int Id = 4711;

    static readonly string[] DefaultAssemblies = ["Fabric.Messages", "Fabric.Actors"];

    readonly HySerializer _hyperion;

    public FabricHyperionSerializer(ExtendedActorSystem system) : this(system, Config.Empty) { }

    public FabricHyperionSerializer(ExtendedActorSystem system, Config config) : base(system)
    {
        var names = config.IsNullOrEmpty() ? null : config.GetStringList("assemblies");
        AllowedTypes = AllowList((names is { Count: > 0 } ? names : DefaultAssemblies).Select(Assembly.Load));
        var filter = new AllowListFilter(
            AllowedTypes.Aggregate(TypeFilterBuilder.Create(), (b, t) => b.Include(t)).Build(),
            AllowedTypes.Select(t => t.AssemblyQualifiedName!).ToHashSet());

        _hyperion = new HySerializer(new SerializerOptions(
            // Hyperion writes field names for version tolerance but does not use them on read;
            // a schema change is a new record type instead.
            versionTolerance: false,
            // Protocol records are trees: no shared or cyclic references to track.
            preserveObjectReferences: false,
            // IActorRef travels as its path and is resolved again on the receiving system.
            surrogates: [Surrogate.Create<ISurrogated, ISurrogate>(s => s.ToSurrogate(system), s => s.FromSurrogate(system))],
            serializerFactories: null,
            // Known types would be written as indexes into this list: adding a type would
            // silently renumber every stored row. Full type names are the stable choice.
            knownTypes: null,
            ignoreISerializable: true,
            packageNameOverrides: null,
            disallowUnsafeTypes: true,
            typeFilter: filter));
    }

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    /// <summary>Every type this serializer will instantiate from bytes.</summary>
    public IReadOnlySet<Type> AllowedTypes { get; }

    public override byte[] ToBinary(object obj)
    {
        try
        {
            using var ms = new MemoryStream();
            _hyperion.Serialize(obj, ms);
            return ms.ToArray();
        }
        catch (Exception e)
        {
            throw new SerializationException($"Fabric serializer cannot write a {obj.GetType().Name}: {e.Message}", e);
        }
    }

    public override object FromBinary(byte[] bytes, Type type)
    {
        try
        {
            using var ms = new MemoryStream(bytes);
            return _hyperion.Deserialize<object>(ms);
        }
        catch (Exception e)
        {
            // Akka (remoting, persistence) expects SerializationException; the cause stays inside
            // (UserEvilDeserializationException for a type outside the allow-list).
            throw new SerializationException($"Fabric serializer cannot read a {type?.Name ?? "message"}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The concrete <see cref="IFabricMessage"/> types of the assemblies, closed over what their
    /// fields can hold: arrays, enums, BCL values, and for an interface or abstract field every
    /// concrete type of the assemblies that fits it. Plus the surrogates of actor refs.
    /// </summary>
    public static IReadOnlySet<Type> AllowList(IEnumerable<Assembly> assemblies)
    {
        var own = assemblies.Distinct().ToArray();
        var concrete = own.SelectMany(a => a.GetExportedTypes())
            .Where(t => t is { IsAbstract: false, IsInterface: false, ContainsGenericParameters: false })
            .ToArray();

        var allowed = new HashSet<Type> { typeof(ActorRefBase.Surrogate), typeof(Nobody.NobodySurrogate) };
        var todo = new Stack<Type>(concrete.Where(typeof(IFabricMessage).IsAssignableFrom));
        while (todo.TryPop(out var t))
        {
            if (t.ContainsGenericParameters || !allowed.Add(t)) continue;
            if (t.HasElementType) todo.Push(t.GetElementType()!);
            foreach (var arg in t.IsGenericType ? t.GetGenericArguments() : []) todo.Push(arg);
            if (t.IsAbstract || t.IsInterface || t == typeof(object))
                foreach (var c in concrete.Where(t.IsAssignableFrom)) todo.Push(c);
            // Only our own types are walked field by field; BCL internals stay out.
            if (!own.Contains(t.Assembly)) continue;
            for (var b = t; b is not null && b != typeof(object); b = b.BaseType)
                foreach (var f in b.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                    todo.Push(f.FieldType);
        }
        return allowed;
    }

    /// <summary>
    /// Hyperion 0.12.2 checks the filter with the short type name when reading but with the full
    /// assembly-qualified name (version, culture, key) when writing the root object, which a
    /// <see cref="Hyperion.TypeFilter"/> never matches: accept both spellings of the same allowed types.
    /// </summary>
    sealed class AllowListFilter(Hyperion.TypeFilter shortNames, HashSet<string> fullNames) : ITypeFilter
    {
        public bool IsAllowed(string typeName) => shortNames.IsAllowed(typeName) || fullNames.Contains(typeName);
    }
}
