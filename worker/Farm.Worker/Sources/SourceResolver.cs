using Farm.Core.Kraftfiles;

namespace Farm.Worker.Sources;

/// <summary>
/// Turns a Kraftfile's <c>unikraft</c>, <c>template</c> and <c>libraries</c> into directories. A source that names
/// an existing directory (relative to the Kraftfile) is used in place; a URL is cloned at its version through the
/// <see cref="GitCheckoutCache"/>; a bare version (<c>unikraft: stable</c>) means Unikraft's own repositories.
/// </summary>
internal sealed class SourceResolver
{
    public const string UnikraftRepository = "https://github.com/unikraft/unikraft.git";

    private readonly GitCheckoutCache _git;

    public SourceResolver(GitCheckoutCache git)
    {
        _git = git;
    }

    public static string LibraryRepository(string name) => $"https://github.com/unikraft/lib-{name}.git";

    public async Task<ResolvedSources> ResolveAsync(Kraftfile kraftfile, CancellationToken cancellationToken)
    {
        var unikraft = kraftfile.Unikraft
            ?? throw new SourceException($"{kraftfile.Path}: unikraft: a source build needs the Unikraft core; add e.g. 'unikraft: stable' or 'unikraft: {{source: ../unikraft}}'");
        var core = await ResolveAsync(kraftfile, "unikraft", unikraft, UnikraftRepository, cancellationToken).ConfigureAwait(false);

        var application = kraftfile.Template is { } template
            ? await ResolveAsync(kraftfile, "template", template, template.Name is { } n ? $"https://github.com/unikraft/app-{n}.git" : null, cancellationToken).ConfigureAwait(false)
            : new ResolvedComponent("app", kraftfile.Directory, kraftfile.Directory);

        var libraries = new List<ResolvedComponent>();
        foreach (var library in kraftfile.Libraries)
        {
            libraries.Add(await ResolveAsync(kraftfile, $"libraries.{library.Name}", library.Component, LibraryRepository(library.Name), cancellationToken).ConfigureAwait(false));
        }

        return new ResolvedSources(core, application, libraries);
    }

    private async Task<ResolvedComponent> ResolveAsync(
        Kraftfile kraftfile, string field, Component component, string? defaultRepository, CancellationToken cancellationToken)
    {
        var where = $"{kraftfile.Path}:{component.At.Line}: {field}";

        // kraft reads a short string that is not an existing directory as a version; one written as a path
        // (./libs/x, ../unikraft, /opt/uk) is a directory that is missing, not a branch to fetch.
        var source = component.Source ?? (component.Version is { } v && LooksLikePath(v) ? v : null);
        if (source is not null && !IsRemote(source))
        {
            var directory = Path.GetFullPath(source, kraftfile.Directory);
            return Directory.Exists(directory)
                ? new ResolvedComponent(field, directory, directory)
                : throw new SourceException($"{where}: source directory '{source}' does not exist (looked in {directory})");
        }

        var url = source ?? defaultRepository
            ?? throw new SourceException($"{where}: has neither a source nor a name to find its repository by");
        try
        {
            return await _git.CheckoutAsync(field, url, component.Version, cancellationToken).ConfigureAwait(false);
        }
        catch (SourceException ex)
        {
            throw new SourceException($"{kraftfile.Path}:{component.At.Line}: {ex.Message}", ex);
        }
    }

    private static bool LooksLikePath(string text) =>
        text.StartsWith('.') || text.StartsWith('/') || text.StartsWith('~');

    private static bool IsRemote(string source) =>
        source.Contains("://", StringComparison.Ordinal) || source.StartsWith("git@", StringComparison.Ordinal);
}
