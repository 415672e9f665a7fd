using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Farm.Core.IO;
using Farm.Core.Sources;
using Farm.Core.Processes;

namespace Farm.State.Sources;

/// <summary>
/// Git sources as content-addressed checkouts. Each URL has one bare mirror (<c>git/&lt;hash of url&gt;.git</c>);
/// a version (branch, tag, commit) resolves to a commit, and the commit's tree is extracted once into
/// <c>trees/&lt;tree id&gt;</c>. Two commits with the same tree share a checkout; a checkout is never modified once
/// it exists (it appears by an atomic rename), so concurrent builds can read it safely. Every URL and version passes the
/// <see cref="SourcePolicy"/> before git runs (here, not only in the farm: a forged job row may name anything), git runs
/// hardened (<see cref="GitCommand"/>), and a tree holding a link out of itself or a device node is refused whole.
/// </summary>
public sealed partial class GitCheckoutCache
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromMinutes(10);
    private readonly string _root;

    private readonly SourceArchive? _archive;
    private readonly SourcePolicy _policy;
    private readonly GitCommand _git;

    /// <param name="archive">Where resolved trees are kept in the registry, so that other workers need not clone.</param>
    /// <param name="policy">The URLs allowed; null for this process's (<c>Farm__Sources__Allow__N</c>, else https, ssh and git@).</param>
    public GitCheckoutCache(string root, SourceArchive? archive = null, SourcePolicy? policy = null)
    {
        _root = Path.GetFullPath(root);
        _archive = archive;
        _policy = policy ?? SourcePolicy.FromEnvironment();
        _git = new GitCommand(_policy, Path.Combine(_root, "git-home"));
    }

    /// <summary>The URLs and versions this cache fetches; everything else is refused before git runs.</summary>
    public SourcePolicy Policy => _policy;

    /// <summary>Messages about the registry archive (a miss is silent; a failure is worth a line).</summary>
    public Action<string> Log { get; init; } = _ => { };

    public async Task<ResolvedComponent> CheckoutAsync(string name, string url, string? version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (_policy.WhyNotAllowed(url) is { } refused)
        {
            throw new SourceException($"{name}: {refused}");
        }

        if (version is not null && SourcePolicy.WhyNotAVersion(version) is { } badVersion)
        {
            throw new SourceException($"{name}: {badVersion}");
        }

        if (_archive is not null && await TryArchiveAsync(name, url, version, cancellationToken).ConfigureAwait(false) is { } archived)
        {
            return archived;
        }

        var mirror = Path.Combine(_root, "git", Hash(url) + ".git");

        // A known commit whose tree is extracted needs neither the network nor the mirror's lock (its holder may be a
        // long fetch, and waiters poll every 50 ms): commits and trees are immutable, and reading races no fetch.
        if (version is not null && FullCommitId().IsMatch(version) && Directory.Exists(Path.Combine(mirror, "objects"))
            && await TryCommitAndTreeAsync(mirror, version, cancellationToken).ConfigureAwait(false) is ({ } known, { } knownTree)
            && Path.Combine(_root, "trees", knownTree) is var extracted && Directory.Exists(extracted))
        {
            return new ResolvedComponent(name, extracted, url, known, knownTree);
        }

        // One fetch per mirror at a time: git's ref updates in a shared bare repository would otherwise race.
        using var mirrorLock = await FileLock.AcquireAsync(mirror + ".lock", cancellationToken).ConfigureAwait(false);
        if (!Directory.Exists(Path.Combine(mirror, "objects")))
        {
            Directory.CreateDirectory(mirror);
            await GitAsync(name, url, ["init", "--quiet", "--bare", "--", mirror], cancellationToken).ConfigureAwait(false);
        }

        // A full commit id already in the mirror needs no network: commits are immutable. Its tree comes with it.
        var (commit, tree) = version is not null && FullCommitId().IsMatch(version)
            ? await TryCommitAndTreeAsync(mirror, version, cancellationToken).ConfigureAwait(false)
            : (null, null);
        if (commit is null)
        {
            await FetchAsync(name, mirror, url, version, cancellationToken).ConfigureAwait(false);
            commit = await ResolveAsync(mirror, version, cancellationToken).ConfigureAwait(false)
                ?? throw new SourceException($"{name}: version '{version}' is neither a branch, a tag nor a commit of {url}");
        }

        tree ??= await TryRevParseAsync(mirror, commit + "^{tree}", cancellationToken).ConfigureAwait(false)
            ?? throw new SourceException($"{name}: commit {commit} of {url} has no tree");
        var directory = Path.Combine(_root, "trees", tree);
        if (!Directory.Exists(directory))
        {
            await ExtractAsync(name, url, mirror, commit, directory, cancellationToken).ConfigureAwait(false);
            if (_archive is not null)
            {
                try
                {
                    await _archive.PublishAsync(url, commit, tree, directory, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is Farm.Core.Oci.Distribution.RegistryException or IOException or HttpRequestException)
                {
                    Log($"farm: {name}: warning: could not keep the source tree in {_archive.Name}: {ex.Message}");
                }
            }
        }

        return new ResolvedComponent(name, directory, url, commit, tree);
    }

    /// <summary>
    /// The tree from the registry archive: a pinned commit needs no git at all; a branch or tag costs one
    /// <c>git ls-remote</c> to learn its commit, never a clone.
    /// </summary>
    private async Task<ResolvedComponent?> TryArchiveAsync(string name, string url, string? version, CancellationToken cancellationToken)
    {
        var commit = version is not null && FullCommitId().IsMatch(version) ? version : await RemoteCommitAsync(url, version, cancellationToken).ConfigureAwait(false);
        if (commit is null)
        {
            return null;
        }

        try
        {
            var trees = Path.Combine(_root, "trees");
            Directory.CreateDirectory(trees);
            var tree = await _archive!.TryRestoreAsync(url, commit, trees, cancellationToken).ConfigureAwait(false);
            return tree is null ? null : new ResolvedComponent(name, Path.Combine(trees, tree), url, commit, tree);
        }
        catch (Exception ex) when (ex is Farm.Core.Oci.Distribution.RegistryException or Farm.Core.Oci.OciFormatException or IOException or HttpRequestException)
        {
            Log($"farm: {name}: warning: source archive {_archive!.Name} failed, cloning instead: {ex.Message}");
            return null;
        }
    }

    private async Task<string?> RemoteCommitAsync(string url, string? version, CancellationToken cancellationToken)
    {
        string[] patterns = version is null ? ["HEAD"] : [$"refs/heads/{version}", $"refs/tags/{version}", $"refs/tags/{version}^{{}}"];
        var (outcome, output) = await ProcessRunner.CaptureAsync(_git.Spec(["ls-remote", "--", url, .. patterns]), GitTimeout, cancellationToken).ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            return null;
        }

        var refs = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(p => p.Length == 2 && FullCommitId().IsMatch(p[0]))
            .ToDictionary(p => p[1].Trim(), p => p[0], StringComparer.Ordinal);
        return version is null
            ? refs.GetValueOrDefault("HEAD")
            : refs.GetValueOrDefault($"refs/tags/{version}^{{}}") ?? refs.GetValueOrDefault($"refs/tags/{version}") ?? refs.GetValueOrDefault($"refs/heads/{version}");
    }

    private async Task FetchAsync(string name, string mirror, string url, string? version, CancellationToken cancellationToken)
    {
        string[] refspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*", "+HEAD:refs/farm/remote-head"];
        var (outcome, output) = await ProcessRunner.CaptureAsync(
            _git.Spec(["--git-dir", mirror, "fetch", "--quiet", "--prune", "--no-tags", "--", url, .. refspecs]),
            GitTimeout,
            cancellationToken).ConfigureAwait(false);
        if (outcome.Succeeded)
        {
            // An abbreviated or unadvertised commit may still be fetchable by id.
            if (version is not null && HexPrefix().IsMatch(version) && await ResolveAsync(mirror, version, cancellationToken).ConfigureAwait(false) is null)
            {
                await ProcessRunner.CaptureAsync(_git.Spec(["--git-dir", mirror, "fetch", "--quiet", "--", url, version]), GitTimeout, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        throw new SourceException($"{name}: cannot fetch {url}: {Summarise(outcome, output)}");
    }

    private async Task<string?> ResolveAsync(string mirror, string? version, CancellationToken cancellationToken)
    {
        if (version is null)
        {
            return await TryRevParseAsync(mirror, "refs/farm/remote-head^{commit}", cancellationToken).ConfigureAwait(false);
        }

        foreach (var candidate in new[] { $"refs/tags/{version}", $"refs/heads/{version}", version })
        {
            if (await TryRevParseAsync(mirror, candidate + "^{commit}", cancellationToken).ConfigureAwait(false) is { } commit)
            {
                return commit;
            }
        }

        return null;
    }

    private async Task<string?> TryRevParseAsync(string mirror, string revision, CancellationToken cancellationToken)
    {
        var (outcome, output) = await ProcessRunner.CaptureAsync(
            _git.Spec(["--git-dir", mirror, "rev-parse", "--verify", "--quiet", "--end-of-options", revision]), GitTimeout, cancellationToken).ConfigureAwait(false);
        var id = output.Trim();
        return outcome.Succeeded && FullCommitId().IsMatch(id) ? id : null;
    }

    /// <summary>
    /// The commit <paramref name="id"/> names and its tree, with one git instead of two <c>rev-parse</c>s (a process
    /// costs milliseconds, and this is on every build's path from the API to its first job); (null, null) when the
    /// mirror lacks it or it is not a commit (a tree or blob id prints nothing).
    /// </summary>
    private async Task<(string? Commit, string? Tree)> TryCommitAndTreeAsync(string mirror, string id, CancellationToken cancellationToken)
    {
        var (outcome, output) = await ProcessRunner.CaptureAsync(
            _git.Spec(["--git-dir", mirror, "log", "-1", "--no-walk", "--format=%H %T", "--end-of-options", id]), GitTimeout, cancellationToken).ConfigureAwait(false);
        return outcome.Succeeded && output.Trim().Split(' ') is [var commit, var tree] && FullCommitId().IsMatch(commit) && FullCommitId().IsMatch(tree)
            ? (commit, tree)
            : (null, null);
    }

    private async Task ExtractAsync(string name, string url, string mirror, string commit, string directory, CancellationToken cancellationToken)
    {
        var staging = Path.Combine(_root, "trees", $".partial-{Guid.NewGuid():N}");
        var archive = staging + ".tar";
        Directory.CreateDirectory(staging);
        try
        {
            var (outcome, output) = await ProcessRunner.CaptureAsync(
                _git.Spec(["--git-dir", mirror, "archive", "--format=tar", "-o", archive, "--end-of-options", commit]), GitTimeout, cancellationToken).ConfigureAwait(false);
            if (!outcome.Succeeded)
            {
                throw new SourceException($"{name}: cannot export commit {commit}: {Summarise(outcome, output)}");
            }

            // A commit may hold a link to /etc or ../..: make and the rootfs would follow it on the worker's disk.
            ExtractionReport report;
            using (var tar = File.OpenRead(archive))
            {
                report = SafeTarExtractor.Extract(tar, staging, allowLinksOutside: false, cancellationToken);
            }

            if (report.Refused.Count > 0)
            {
                throw new SourceException($"{name}: commit {commit} of {url} is refused: {string.Join("; ", report.Refused.Select(r => $"{r.Path}: {r.Reason}"))}");
            }

            try
            {
                Directory.Move(staging, directory);
            }
            catch (IOException) when (Directory.Exists(directory))
            {
                // Another build extracted the same tree first; its copy is identical.
            }
        }
        finally
        {
            File.Delete(archive);
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private async Task GitAsync(string name, string url, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (outcome, output) = await ProcessRunner.CaptureAsync(_git.Spec(arguments), GitTimeout, cancellationToken).ConfigureAwait(false);
        if (!outcome.Succeeded)
        {
            throw new SourceException($"{name}: git failed for {url}: {Summarise(outcome, output)}");
        }
    }

    private static string Summarise(ProcessOutcome outcome, string output)
    {
        if (outcome.StartError is { } error)
        {
            return error;
        }

        if (outcome.TimedOut)
        {
            return $"timed out after {GitTimeout.TotalMinutes:0} min";
        }

        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return last ?? $"git exited with {outcome.ExitCode}";
    }

    private static string Hash(string url) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)))[..32];

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex FullCommitId();

    [GeneratedRegex("^[0-9a-f]{7,40}$")]
    private static partial Regex HexPrefix();
}
