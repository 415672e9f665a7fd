using Farm.Core.Builds;
using Farm.Core.IO;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.State.Sources;

namespace Farm.Worker.Targets;

/// <summary>
/// A target's source as its plan pins it: a git source checked out at the commit the farm resolved (and checked to be
/// that commit), an upload fetched from the source store by digest (and checked against it), or, for the embedded
/// farm only, the local tree. Then the Kraftfile: inside the tree, byte for byte the one planned, and naming only
/// sources the policy allows. Every refusal is a reason for the target, never an exception.
/// </summary>
internal sealed class PinnedSource
{
    private readonly GitCheckoutCache _git;
    private readonly Func<UploadStore> _uploads;
    private readonly string _unpackDirectory;
    private readonly bool _localBuilds;
    private readonly string? _stableDirectory;

    /// <param name="uploads">The source store, opened only for an upload.</param>
    /// <param name="unpackDirectory">Where uploads are unpacked (by digest).</param>
    /// <param name="localBuilds">Whether a build may name a Kraftfile on this host's disk (the embedded farm).</param>
    /// <param name="stableDirectory">Where fetched trees are copied to be built from a path that stays the same from one
    /// commit to the next (<see cref="StableSourceDirectory"/>); null to build from the checkout itself.</param>
    public PinnedSource(GitCheckoutCache git, Func<UploadStore> uploads, string unpackDirectory, bool localBuilds, string? stableDirectory = null)
    {
        _stableDirectory = stableDirectory;
        _git = git;
        _uploads = uploads;
        _unpackDirectory = unpackDirectory;
        _localBuilds = localBuilds;
    }

    /// <summary>The build's tree and its planned Kraftfile, read; or why the target cannot be built from them.</summary>
    public async Task<PinnedKraftfile> FetchAsync(BuildRecord build, TargetPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(plan);
        string? root;
        try
        {
            root = await RootAsync(build, plan, cancellationToken).ConfigureAwait(false);
        }
        catch (SourceException ex)
        {
            return PinnedKraftfile.Refused(ex.Message);
        }

        StableSourceDirectory? stable = null;
        if (root is not null && _stableDirectory is not null)
        {
            try
            {
                // One copy per kernel: the targets of one build run side by side, and each should find its own last build.
                var identity = $"{build.GitUrl ?? "upload:" + build.App} {plan.Job.KernelFileName}";
                stable = StableSourceDirectory.Take(_stableDirectory, BuildScope.Of(build).Cache.Name, identity, root);
                root = stable.Root;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return PinnedKraftfile.Refused($"the source cannot be copied to its build directory: {ex.Message}");
            }
        }

        try
        {
            var pinned = Check(build, plan, root);
            if (pinned.Kraftfile is null)
            {
                stable?.Dispose();
                return pinned;
            }

            return pinned with { Stable = stable };
        }
        catch
        {
            stable?.Dispose();
            throw;
        }
    }

    /// <summary>The planned Kraftfile read from <paramref name="root"/> (null: the local build's own tree), checked.</summary>
    private PinnedKraftfile Check(BuildRecord build, TargetPlan plan, string? root)
    {
        // The same containment the farm checked at submission, again: the job row is only as trusted as the database.
        var tree = root is not null ? new SourceTree(root) : build.SourceRoot is { } local ? new SourceTree(local) : null;
        var path = root is not null ? Path.Combine(root, build.KraftfilePath) : build.KraftfilePath;
        if (tree?.WhyOutside(path, Environment.CurrentDirectory) is { } outside)
        {
            return PinnedKraftfile.Refused($"kraftfile: {outside}");
        }

        var shown = root is null ? path : build.KraftfilePath;
        if (!File.Exists(path))
        {
            return PinnedKraftfile.Refused($"{shown}: the planned Kraftfile is not in the source");
        }

        var digest = TargetPlan.DigestOf(File.ReadAllBytes(path));
        if (digest != plan.KraftfileDigest)
        {
            return PinnedKraftfile.Refused($"{shown}: not the Kraftfile the farm planned ({digest[..19]}…, planned {plan.KraftfileDigest[..Math.Min(19, plan.KraftfileDigest.Length)]}…): the source changed under the build; submit it again");
        }

        // Read for its build settings only: the target's platform, architecture and kconfig are the plan's.
        var parsed = new KraftfileParser().Load(path);
        if (parsed.Kraftfile is not { } kraftfile || !parsed.IsValid)
        {
            return PinnedKraftfile.Refused(string.Join("; ", parsed.Diagnostics.Where(d => d.IsError).Select(d => Relative(d.Format(), root))));
        }

        if (KraftfileSources.Check(kraftfile, tree, _git.Policy) is { Count: > 0 } refusals)
        {
            return PinnedKraftfile.Refused(string.Join("; ", refusals.Select(d => Relative(d.Format(), root))));
        }

        return new PinnedKraftfile(kraftfile, tree, null);
    }

    /// <summary>The fetched tree's root; null for a local build (its recorded tree, on this disk).</summary>
    private async Task<string?> RootAsync(BuildRecord build, TargetPlan plan, CancellationToken cancellationToken)
    {
        if (build.GitUrl is { } url)
        {
            if (plan.GitCommit is not { } commit)
            {
                throw new SourceException($"the target's plan names no commit of {url}: submit the build again");
            }

            var checkout = await _git.CheckoutAsync(build.App, url, commit, cancellationToken).ConfigureAwait(false);
            return checkout.Commit == commit
                ? checkout.Directory
                : throw new SourceException($"{url}: checked out {checkout.Commit}, the plan names {commit}: the source is not the one planned");
        }

        if (build.SourceDigest is { } digest)
        {
            var uploads = _uploads();
            if (await uploads.GetAsync(digest, cancellationToken).ConfigureAwait(false) is not { } archive)
            {
                throw new SourceException($"the uploaded source {digest} is not in the source store {uploads.Location} (farm and workers must name the same {UploadStore.Variable})");
            }

            if (UploadedSource.Digest(archive) != digest)
            {
                throw new SourceException($"the source store {uploads.Location} returned other bytes for {digest}: refused");
            }

            var (root, refused) = UploadedSource.Unpack(archive, _unpackDirectory);
            return root ?? throw new SourceException($"the uploaded source cannot be unpacked: {string.Join("; ", refused)}");
        }

        return _localBuilds
            ? null
            : throw new SourceException($"build {build.Id} names neither a git source nor an upload: a served worker builds nothing else from its own disk");
    }

    private static string Relative(string message, string? root) =>
        root is null ? message : message.Replace(root + "/", string.Empty, StringComparison.Ordinal);
}

/// <summary>A target's Kraftfile as planned, with the tree its paths must stay in; or why it cannot be built.</summary>
internal sealed record PinnedKraftfile(Kraftfile? Kraftfile, SourceTree? Tree, string? Failure) : IDisposable
{
    /// <summary>The stable copy the tree is, held until the target ends; null when built from the checkout itself.</summary>
    public StableSourceDirectory? Stable { get; init; }

    public void Dispose() => Stable?.Dispose();

    public static PinnedKraftfile Refused(string reason) => new(null, null, reason);
}
