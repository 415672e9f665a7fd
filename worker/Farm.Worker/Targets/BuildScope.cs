using System.Security.Cryptography;
using System.Text;
using Farm.Cache.Store;
using Farm.Core.Builds;

namespace Farm.Worker.Targets;

/// <summary>
/// Who a build is trusted as, and what follows from it for its target jobs: the object cache scope it writes, and the
/// build directory it reuses. An untrusted build's scope is its app and where its source came from (a fork's
/// repository, an upload), so one pull request's objects are not another's, and never in a trusted kernel.
/// </summary>
internal sealed record BuildScope(bool Trusted, CacheScope Cache)
{
    public static BuildScope Of(BuildRecord build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var trusted = build.Scope != "untrusted";
        return new BuildScope(trusted, trusted ? CacheScope.TrustedScope : CacheScope.Parse($"{build.App}-{Short(build.GitUrl ?? build.SourceDigest ?? build.Id)}"));
    }

    /// <summary>
    /// One build directory per scope, app location and target, kept between builds so make rebuilds in place; per scope
    /// too, because objects an untrusted build left in place must never be linked into a trusted kernel.
    /// </summary>
    public string BuildDirectory(string workDirectory, string kraftfileDirectory, string kernelFileName) =>
        Path.Combine(workDirectory, "o", Cache.Name, $"{Path.GetFileName(kraftfileDirectory)}-{Short(kraftfileDirectory)}", kernelFileName);

    private static string Short(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];
}
