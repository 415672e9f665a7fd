namespace Farm.GitHub.Checks;

/// <summary>
/// The check run of one build target on one commit: where it is reported (<paramref name="InstallationId"/>,
/// <paramref name="Owner"/>/<paramref name="Repo"/>, <paramref name="HeadSha"/>) and how it is shown.
/// </summary>
/// <param name="Name">What the commit's checks list shows, e.g. <c>unikernel: helloworld qemu/x86_64</c>; see <see cref="NameFor"/>.</param>
/// <param name="DetailsUrl">Where "Details" leads, e.g. the build's page on the farm.</param>
/// <param name="ExternalId">The farm's own id for the target, so a check run can be traced back to it.</param>
internal sealed record CheckRunTarget(
    long InstallationId,
    string Owner,
    string Repo,
    string HeadSha,
    string Name,
    Uri? DetailsUrl = null,
    string? ExternalId = null)
{
    /// <summary>The conventional check run name for an app's target, e.g. <c>unikernel: helloworld qemu/x86_64</c>.</summary>
    public static string NameFor(string app, string platform, string architecture) => $"unikernel: {app} {platform}/{architecture}";
}
