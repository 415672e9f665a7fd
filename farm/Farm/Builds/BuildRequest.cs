namespace Farm.Builds;

/// <summary>What to build: a Kraftfile this process can read, where the image goes, and which targets.</summary>
/// <param name="Targets">Restricts the build to these targets (<c>plat/arch</c>, a target name or a kernel file name); empty for all.</param>
public sealed record BuildRequest(string KraftfilePath, string Output, IReadOnlyList<string> Targets)
{
    public string Scope { get; init; } = "trusted";

    public string? SigningKeyFile { get; init; }

    /// <summary>What asked for the build (<see cref="Core.Builds.BuildTriggers"/>), shown and filtered on by the dashboard.</summary>
    public string Trigger { get; init; } = Core.Builds.BuildTriggers.Api;

    /// <summary>The branch the commit was built for, when known.</summary>
    public string? Branch { get; init; }

    /// <summary>For a git source: its checkout's root (the build records the Kraftfile's path relative to it), URL and commit.</summary>
    public GitSource? Git { get; init; }

    /// <summary>For an uploaded tar: where the farm unpacked it, and its digest.</summary>
    public UploadedArchive? Upload { get; init; }

    /// <summary>
    /// For a local Kraftfile (<c>farm build</c>): the tree its paths must stay in, or null for anywhere
    /// (<c>--allow-outside-sources</c>). Ignored for git and upload builds, whose root is the tree.
    /// </summary>
    public string? LocalRoot { get; init; }
}

/// <summary>A git source at a commit, and where the farm checked it out.</summary>
public sealed record GitSource(string Root, string Url, string Commit);

/// <summary>An uploaded source archive, unpacked at <paramref name="Root"/>.</summary>
public sealed record UploadedArchive(string Root, string Digest);
