using System.Text.Json;
using System.Text.Json.Serialization;

namespace Farm.Worker.Caching.Snapshots;

/// <summary>
/// What a successful build left that a later build of the same target can start from: its <c>.config</c>, and for
/// each object its content digest, its dependency file with the roots named, and the digests of the files it was
/// compiled from; and the files make generated before any object (kconfig's headers and tools, libuklibid's lists),
/// so that one make run finds them up to date. Paths are relative to the build directory or named by <see cref="BuildRoots"/>.
/// </summary>
internal sealed record BuildSnapshot(
    [property: JsonPropertyName("config")] string Config,
    [property: JsonPropertyName("inputs")] IReadOnlyList<SnapshotInput> Inputs,
    [property: JsonPropertyName("objects")] IReadOnlyList<SnapshotObject> Objects,
    [property: JsonPropertyName("libraries")] IReadOnlyList<SnapshotLibrary> Libraries)
{
    private const int Version = 2;

    /// <summary>Generated files, restored before the objects (which may list them as inputs).</summary>
    [JsonPropertyName("generated")]
    public IReadOnlyList<SnapshotGenerated> Generated { get; init; } = [];

    [JsonPropertyName("version")]
    public int FormatVersion { get; init; } = Version;

    /// <summary>Every stored file the snapshot names: objects, generated files and libraries' linked files.</summary>
    public IReadOnlyList<string> Digests() =>
        [.. Objects.Select(o => o.Digest).Concat(Generated.Select(g => g.Digest)).Concat(Libraries.SelectMany(l => l.Outputs.Select(o => o.Digest))).Distinct(StringComparer.Ordinal)];

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, BuildSnapshotJson.Default.BuildSnapshot);

    /// <summary>The snapshot, or null for bytes that are not one of this version (then the build starts from nothing).</summary>
    public static BuildSnapshot? TryParse(byte[] bytes)
    {
        try
        {
            var snapshot = JsonSerializer.Deserialize(bytes, BuildSnapshotJson.Default.BuildSnapshot);
            return snapshot is { FormatVersion: Version, Config: not null, Inputs: not null, Objects: not null, Libraries: not null, Generated: not null } ? snapshot : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A file objects or generated files were made from: its path (named by its root, or absolute for system files) and SHA-256.</summary>
internal sealed record SnapshotInput(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256);

/// <summary>
/// A file a make rule generated: where it goes in the build directory, its stored content's digest (with the roots
/// named when <see cref="Named"/>: a text file such as <c>config.h</c> names the app's directory), whether it is a
/// program (kconfig's <c>conf</c>), and the files its command read (indexes into <see cref="BuildSnapshot.Inputs"/>;
/// none for the files that are functions of what the snapshot key covers).
/// </summary>
internal sealed record SnapshotGenerated(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("inputs")] IReadOnlyList<int> Inputs)
{
    [JsonPropertyName("named")]
    public bool Named { get; init; }

    [JsonPropertyName("executable")]
    public bool Executable { get; init; }
}

/// <summary>One object: where it goes in the build directory, its content digest, its dependency file, and its inputs (indexes into <see cref="BuildSnapshot.Inputs"/>).</summary>
internal sealed record SnapshotObject(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("digest")] string Digest,
    [property: JsonPropertyName("dependencyFile")] string DependencyFile,
    [property: JsonPropertyName("inputs")] IReadOnlyList<int> Inputs);

/// <summary>
/// What make linked from one library's objects (<c>libukdebug.ld.o</c>, <c>libukdebug.o</c> beside the
/// <c>libukdebug/</c> directory): restored only when every object of that library was, so make does not link it again.
/// </summary>
internal sealed record SnapshotLibrary(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("outputs")] IReadOnlyList<SnapshotOutput> Outputs);

/// <summary>One linked file of a library, by content.</summary>
internal sealed record SnapshotOutput(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("digest")] string Digest);

/// <summary>The snapshot's serializer, generated at compile time: a worker reads one snapshot per build, and the reflection-based one spent most of the look-up on its first use.</summary>
[JsonSerializable(typeof(BuildSnapshot))]
internal sealed partial class BuildSnapshotJson : JsonSerializerContext;
