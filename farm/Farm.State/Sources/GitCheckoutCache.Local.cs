using Farm.Core.Processes;

namespace Farm.State.Sources;

/// <summary>
/// A local source with a version (<c>unikraft: {source: ../unikraft, version: RELEASE-0.17.0}</c>): the directory must
/// be a git checkout that has that version. When its HEAD is that version and nothing under it is modified, it is
/// used in place; otherwise the version's tree (of that directory, when it is a subdirectory of its repository) is
/// exported from the checkout's own git directory into the cache, as a URL's would be. Never silently the work tree.
/// </summary>
public sealed partial class GitCheckoutCache
{
    public async Task<ResolvedComponent> CheckoutLocalAsync(string name, string directory, string source, string version, CancellationToken cancellationToken)
    {
        if (Core.Sources.SourcePolicy.WhyNotAVersion(version) is { } badVersion)
        {
            throw new SourceException($"{name}: {badVersion}");
        }

        var gitDirectory = await GitOutputAsync(directory, ["rev-parse", "--absolute-git-dir"], cancellationToken).ConfigureAwait(false);
        var prefix = await GitOutputAsync(directory, ["rev-parse", "--show-prefix"], cancellationToken).ConfigureAwait(false);
        if (gitDirectory is null || prefix is null)
        {
            throw new SourceException($"{name}: version '{version}' is given, but source directory '{source}' ({directory}) is not a git checkout, so that version cannot be built from it; drop 'version' to build the directory as it is");
        }

        string? commit = null;
        foreach (var candidate in new[] { $"refs/tags/{version}", $"refs/heads/{version}", version })
        {
            commit ??= await TryRevParseAsync(gitDirectory, candidate + "^{commit}", cancellationToken).ConfigureAwait(false);
        }

        if (commit is null)
        {
            throw new SourceException($"{name}: version '{version}' is neither a branch, a tag nor a commit of the git checkout at '{source}' ({directory})");
        }

        // "<commit>:<path>" names the directory's tree (everything after the colon is the path).
        var subtree = prefix.Length == 0 ? commit + "^{tree}" : $"{commit}:{prefix.TrimEnd('/')}";
        var tree = await TryRevParseAsync(gitDirectory, subtree, cancellationToken).ConfigureAwait(false)
            ?? throw new SourceException($"{name}: version '{version}' ({commit[..12]}) of the git checkout at '{source}' has no directory '{prefix.TrimEnd('/')}'");
        var head = await TryRevParseAsync(gitDirectory, "HEAD^{commit}", cancellationToken).ConfigureAwait(false);
        var modified = await GitOutputAsync(directory, ["status", "--porcelain", "--untracked-files=no", "--", "."], cancellationToken).ConfigureAwait(false);
        if (head == commit && modified is { Length: 0 })
        {
            return new ResolvedComponent(name, directory, directory, commit, tree);
        }

        var exported = Path.Combine(_root, "trees", tree);
        if (!Directory.Exists(exported))
        {
            Directory.CreateDirectory(Path.Combine(_root, "trees"));
            await ExtractAsync(name, directory, gitDirectory, prefix.Length == 0 ? commit : subtree, exported, cancellationToken).ConfigureAwait(false);
        }

        Log($"farm: {name}: building version '{version}' ({commit[..12]}) of {directory}, whose work tree is {(head == commit ? "modified" : $"at {head?[..12] ?? "no commit"}")}");
        return new ResolvedComponent(name, exported, directory, commit, tree);
    }

    private async Task<string?> GitOutputAsync(string workTree, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (outcome, output) = await ProcessRunner.CaptureAsync(_git.Spec(["-C", workTree, .. arguments]), GitTimeout, cancellationToken).ConfigureAwait(false);
        return outcome.Succeeded ? output.Trim() : null;
    }
}
