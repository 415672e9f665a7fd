using System.Text.Json;
using System.Text.Json.Serialization;

namespace Farm.Worker.Caching.Snapshots;

/// <summary>
/// What a successful build left that a later build of the same target can start from: its <c>.config</c>, and for
/// each object its content digest, its dependency file with the roots named, and the digests of the files it was
/// compiled from. Paths are relative to the build directory or named by <see cref="BuildRoots"/>.
/// </summary>
internal sealed record BuildSnapshot(
    [property: JsonPropertyName("config")] string Config,
    [property: JsonPropertyName("inputs")] IReadOnlyList<SnapshotInput> Inputs,
    [property: JsonPropertyName("objects")] IReadOnlyList<SnapshotObject> Objects,
    [property: JsonPropertyName("libraries")] IReadOnlyList<SnapshotLibrary> Libraries)
{
    private const int Version = 1;

    [JsonPropertyName("version")]
    public int FormatVersion { get; init; } = Version;

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this);

    /// <summary>The snapshot, or null for bytes that are not one of this version (then the build starts from nothing).</summary>
    public static BuildSnapshot? TryParse(byte[] bytes)
    {
        try
        {
            var snapshot = JsonSerializer.Deserialize<BuildSnapshot>(bytes);
            return snapshot is { FormatVersion: Version, Config: not null, Inputs: not null, Objects: not null, Libraries: not null } ? snapshot : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// A file objects were compiled from: its path (named by its root, or absolute for system headers) and SHA-256.
/// <see cref="Made"/>: a file a make rule of the build generated (it has a <c>.cmd</c> beside it, as libuklibid's
/// <c>libid.h</c>), which a new build directory has only once make has made it.
/// </summary>
internal sealed record SnapshotInput(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256)
{
    [JsonPropertyName("made")]
    public bool Made { get; init; }
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
