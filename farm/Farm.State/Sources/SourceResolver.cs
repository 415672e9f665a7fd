using Farm.Core.Kraftfiles;

namespace Farm.State.Sources;

/// <summary>
/// Turns a Kraftfile's <c>unikraft</c>, <c>template</c> and <c>libraries</c> into directories. A source that names
/// an existing directory (relative to the Kraftfile) is used in place; a URL is cloned at its version through the
/// <see cref="GitCheckoutCache"/>; a bare version (<c>unikraft: stable</c>) means Unikraft's own repositories. Within a
/// <see cref="Tree"/>, a local directory that resolves outside it (<c>..</c>, an absolute path, a link) is refused.
/// </summary>
public sealed class SourceResolver
{
    public const string UnikraftRepository = "https://github.com/unikraft/unikraft.git";

    private readonly GitCheckoutCache _git;

    public SourceResolver(GitCheckoutCache git)
    {
        _git = git;
    }

    /// <summary>The tree local sources must stay in; null for anywhere (the worker's CLI, <c>farm build --allow-outside-sources</c>).</summary>
    public Core.IO.SourceTree? Tree { get; private init; }

    /// <summary>This resolver, sharing its checkouts, for one build's source tree.</summary>
    public SourceResolver Within(Core.IO.SourceTree? tree) => new(_git) { Tree = tree };

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

        if (KraftfileSources.LocalPath(component) is { } source)
        {
            if (Tree?.WhyOutside(source, kraftfile.Directory) is { } outside)
            {
                throw new SourceException($"{where}: {outside}");
            }

            var directory = Path.GetFullPath(source, kraftfile.Directory);
            if (!Directory.Exists(directory))
            {
                throw new SourceException($"{where}: source directory '{source}' does not exist (looked in {directory})");
            }

            if (component.Version is not { } version)
            {
                return new ResolvedComponent(field, directory, directory);
            }

            try
            {
                return await _git.CheckoutLocalAsync(field, directory, source, version, cancellationToken).ConfigureAwait(false);
            }
            catch (SourceException ex)
            {
                throw new SourceException($"{kraftfile.Path}:{component.At.Line}: {ex.Message}", ex);
            }
        }

        var url = component.Source ?? defaultRepository
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
}
