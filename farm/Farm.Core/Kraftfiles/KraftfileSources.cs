using Farm.Core.Diagnostics;
using Farm.Core.IO;
using Farm.Core.Sources;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// What a Kraftfile makes the farm read besides itself: local directories and git URLs of <c>unikraft</c>,
/// <c>template</c> and <c>libraries</c>, and its <c>rootfs</c>. <see cref="Check"/> says, located, which of them leave the
/// source tree or are not allowed URLs; the farm runs it before it plans, the worker again before it reads anything.
/// (The Kraftfile's own path is checked by its caller, before the file is read.)
/// </summary>
public static class KraftfileSources
{
    /// <summary>The component's local directory as written (a source that is not a URL, or a version written as a path); null for git.</summary>
    public static string? LocalPath(Component component)
    {
        ArgumentNullException.ThrowIfNull(component);

        // kraft reads a short string that is not an existing directory as a version; one written as a path
        // (./libs/x, ../unikraft, /opt/uk) is a directory that is missing, not a branch to fetch.
        var source = component.Source ?? (component.Version is { } v && LooksLikePath(v) ? v : null);
        return source is not null && !IsRemote(source) ? source : null;
    }

    public static bool IsRemote(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Contains("://", StringComparison.Ordinal) || source.Contains("::", StringComparison.Ordinal) || source.StartsWith("git@", StringComparison.Ordinal);
    }

    /// <summary>
    /// Whether a <c>rootfs</c> value names something on disk rather than an image in a registry: it exists beside the
    /// Kraftfile, or is written as a path (absolute, <c>.</c>/<c>..</c> components), or is an OCI layout (<c>oci:DIR</c>).
    /// </summary>
    public static string? RootfsPath(string rootfs, string kraftfileDirectory)
    {
        ArgumentNullException.ThrowIfNull(rootfs);
        if (rootfs.StartsWith(Oci.OciReference.LayoutPrefix, StringComparison.Ordinal))
        {
            return Oci.OciReference.TryParse(rootfs, out var reference, out _) && reference.IsLayout ? reference.LayoutDirectory : null;
        }

        var full = Path.GetFullPath(rootfs, kraftfileDirectory);
        var pathLike = rootfs.StartsWith('/') || rootfs.Split('/').Any(p => p is "." or "..");
        return pathLike || File.Exists(full) || Directory.Exists(full) || new FileInfo(full).LinkTarget is not null ? rootfs : null;
    }

    /// <param name="tree">The tree every path must stay in; null when paths are not contained (<c>farm build --allow-outside-sources</c>).</param>
    /// <param name="policy">The URLs allowed; null to leave URLs to the checkout (it checks them anyway).</param>
    public static IReadOnlyList<Diagnostic> Check(Kraftfile kraftfile, SourceTree? tree, SourcePolicy? policy)
    {
        ArgumentNullException.ThrowIfNull(kraftfile);
        var found = new List<Diagnostic>();
        void Error(Yaml.Mark at, string field, string message) =>
            found.Add(new Diagnostic(DiagnosticSeverity.Error, kraftfile.Path, at.Line, at.Column, field, message));

        var components = new List<(string Field, Component Component)>();
        if (kraftfile.Unikraft is { } unikraft)
        {
            components.Add(("unikraft", unikraft));
        }

        if (kraftfile.Template is { } template)
        {
            components.Add(("template", template));
        }

        components.AddRange(kraftfile.Libraries.Select(l => ($"libraries.{l.Name}", l.Component)));
        foreach (var (field, component) in components)
        {
            if (LocalPath(component) is { } local)
            {
                if (tree?.WhyOutside(local, kraftfile.Directory) is { } outside)
                {
                    Error(component.At, field, outside);
                }
            }
            else if (component.Source is { } url && policy?.WhyNotAllowed(url) is { } refused)
            {
                Error(component.At, field, refused);
            }
            else if (component.Version is { } version && SourcePolicy.WhyNotAVersion(version) is { } badVersion)
            {
                Error(component.At, field, badVersion);
            }
        }

        if (kraftfile.Rootfs is { } rootfs && tree is not null && RootfsPath(rootfs, kraftfile.Directory) is { } path
            && tree.WhyOutside(path, kraftfile.Directory) is { } rootfsOutside)
        {
            Error(kraftfile.RootfsAt, "rootfs", rootfsOutside);
        }

        return found;
    }

    private static bool LooksLikePath(string text) =>
        text.StartsWith('.') || text.StartsWith('/') || text.StartsWith('~');
}
