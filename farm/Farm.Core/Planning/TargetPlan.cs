using System.Text.Json;

namespace Farm.Core.Planning;

/// <summary>
/// What the farm planned for one target, stored with the target (<c>farm.targets.plan</c>) for the worker to build
/// exactly that: the planned <see cref="TargetJob"/> (platform, architecture, merged kconfig), the Kraftfile's
/// digest as planned, and the git commit the farm resolved the source to. The worker never plans again; it fetches
/// the source by that commit or upload digest, checks the Kraftfile is the one planned, and builds this job.
/// </summary>
/// <remarks>
/// Kept in the build store, not in Hangfire's job arguments: Hangfire's payload stays ids only (build, target,
/// attempt), so jobs an older farm enqueued still bind to the same method, the watchdog can requeue a lost target
/// from the store alone, and no build data passes through Hangfire's serializer or shows in its job table.
/// </remarks>
/// <param name="KraftfileDigest"><c>sha256:HEX</c> of the Kraftfile's bytes the farm planned from.</param>
/// <param name="GitCommit">The full commit id the farm checked out (a git source); null for uploads and local builds.</param>
public sealed record TargetPlan(TargetJob Job, string KraftfileDigest, string? GitCommit)
{
    /// <summary>The format written now; a plan of another version is refused by name, never half read.</summary>
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>The digest of a Kraftfile's bytes as plans record it.</summary>
    public static string DigestOf(byte[] kraftfile) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(kraftfile));

    public string ToJson() => JsonSerializer.Serialize(new Stored(CurrentVersion, Job, KraftfileDigest, GitCommit), Json);

    /// <summary>The plan in <paramref name="json"/>, or why it cannot be used (for the target's reason).</summary>
    public static (TargetPlan? Plan, string? Problem) Parse(string? json)
    {
        if (json is null)
        {
            return (null, "this target was planned by an older farm that did not store its plan: upgrade the farm before its workers, then submit the build again");
        }

        Stored? stored;
        try
        {
            // The version first: a plan of another release may have another shape, and that is what to say about it.
            using (var document = JsonDocument.Parse(json))
            {
                if (document.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("version", out var version)
                    && version.TryGetInt32(out var number) && number != CurrentVersion)
                {
                    return (null, $"the target's stored plan is of version {number}, this worker reads version {CurrentVersion}: run the same release on the farm and its workers");
                }
            }

            stored = JsonSerializer.Deserialize<Stored>(json, Json);
        }
        catch (JsonException ex)
        {
            return (null, $"the target's stored plan is not readable ({ex.Message}); submit the build again");
        }

        if (stored is null)
        {
            return (null, "the target's stored plan is empty; submit the build again");
        }

        if (stored.Version != CurrentVersion)
        {
            return (null, $"the target's stored plan is of version {stored.Version}, this worker reads version {CurrentVersion}: run the same release on the farm and its workers");
        }

        if (stored.Job.KConfig is null || stored.Job.Requires is null || !stored.KraftfileDigest.StartsWith("sha256:", StringComparison.Ordinal))
        {
            return (null, "the target's stored plan is incomplete; submit the build again");
        }

        return (new TargetPlan(stored.Job, stored.KraftfileDigest, stored.GitCommit), null);
    }

    private sealed record Stored(int Version, TargetJob Job, string KraftfileDigest, string? GitCommit);
}
