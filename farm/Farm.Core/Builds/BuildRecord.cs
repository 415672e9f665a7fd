namespace Farm.Core.Builds;

/// <summary>
/// One build of one Kraftfile: where its Kraftfile is (a directory this process can read: the uploaded or checked
/// out source), where the image goes, and how it ended.
/// </summary>
public sealed record BuildRecord(string Id, string App, string KraftfilePath, string Output, string Scope, DateTimeOffset Created)
{
    public BuildState State { get; init; } = BuildState.Queued;

    /// <summary>The published index, once assembled.</summary>
    public string? IndexDigest { get; init; }

    /// <summary>Why the build failed or published nothing, in one line.</summary>
    public string? Reason { get; init; }

    /// <summary>Publish the targets that passed even when others failed (the Kraftfile's <c>x-farm.publish: partial</c>).</summary>
    public bool PublishPartial { get; init; }

    /// <summary>A private key file to sign the index and every manifest with, or null to publish unsigned.</summary>
    public string? SigningKeyFile { get; init; }

    public DateTimeOffset? Finished { get; init; }

    /// <summary>For builds of a git source: the repository and commit; <see cref="KraftfilePath"/> is then relative to its root.</summary>
    public string? GitUrl { get; init; }

    public string? GitCommit { get; init; }

    /// <summary>For builds of an uploaded tar: its digest (the store keeps the bytes); <see cref="KraftfilePath"/> is relative to its root.</summary>
    public string? SourceDigest { get; init; }

    /// <summary>
    /// For a local build (<c>farm build</c>, never stored by a served farm): the tree every path its Kraftfile names must
    /// stay in; null with <c>--allow-outside-sources</c>. Git and upload builds are contained by their own root.
    /// </summary>
    public string? SourceRoot { get; init; }

    /// <summary>For a runtime-only Kraftfile: the runtime image its kernels come from, resolved and pinned: <c>REFERENCE@DIGEST</c> of its index.</summary>
    public string? Runtime { get; init; }

    /// <summary>What started the build: api, webhook, nightly or action (<see cref="BuildTriggers"/>).</summary>
    public string Trigger { get; init; } = BuildTriggers.Api;

    /// <summary>The git branch the commit was built for, when one is known (a push, a pull request's head, the catalog's default branch).</summary>
    public string? Branch { get; init; }
}
