namespace Farm.Worker.Builders;

/// <summary>Builds one target's kernel. Implementations stream every line of the build to <c>log</c>.</summary>
internal interface IKernelBuilder
{
    string Name { get; }

    /// <summary>Why this builder cannot run on this host, or null when it can.</summary>
    string? UnavailableReason { get; }

    Task<BuildOutcome> BuildAsync(BuildRequest request, Action<string> log, CancellationToken cancellationToken);
}
