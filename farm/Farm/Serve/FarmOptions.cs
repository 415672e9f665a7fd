namespace Farm.Serve;

/// <summary>
/// <c>farm serve</c>'s settings, bound from configuration (<c>Farm__ApiTokens__0</c>, <c>Farm__Registry__Insecure</c>,
/// <c>Farm__Signing__KeyFile</c>, ...) and checked before anything starts: a farm that would accept every
/// request, or none, does not start.
/// </summary>
public sealed class FarmOptions
{
    public List<string> ApiTokens { get; init; } = [];

    public RegistrySettings Registry { get; init; } = new();

    public SigningSettings Signing { get; init; } = new();

    public SourceSettings Sources { get; init; } = new();

    public RuntimeSettings Runtime { get; init; } = new();

    public sealed class RuntimeSettings
    {
        /// <summary><c>Farm__Runtime__Mirrors__0=unikraft.org=host:port/mirror</c>: where runtime images are fetched from.</summary>
        public List<string> Mirrors { get; init; } = [];
    }

    public sealed class SourceSettings
    {
        /// <summary>The largest uploaded source archive accepted.</summary>
        public int MaxMegabytes { get; init; } = 64;
    }

    public sealed class RegistrySettings
    {
        /// <summary>The default registry for images named without one (host:port).</summary>
        public string? Url { get; init; }

        public bool Insecure { get; init; }
    }

    public sealed class SigningSettings
    {
        public string? KeyFile { get; init; }
    }

    /// <summary>An image named without a registry (<c>apps/hello:v1</c>) goes to <see cref="RegistrySettings.Url"/> when one is set.</summary>
    public string Qualify(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var first = image.Split('/')[0];
        var hasRegistry = image.Contains('/', StringComparison.Ordinal) && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost");
        return hasRegistry || Registry.Url is not { Length: > 0 } url ? image : $"{url.TrimEnd('/')}/{image}";
    }

    /// <summary>Every problem, each naming its setting; empty when the farm can start.</summary>
    public IReadOnlyList<string> Problems(string? postgres)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(postgres))
        {
            problems.Add("ConnectionStrings__Postgres is not set: the farm keeps its state and its job queues in PostgreSQL");
        }

        if (ApiTokens.Count == 0 || ApiTokens.Exists(t => t.Length < 16))
        {
            problems.Add("Farm__ApiTokens__0 (and __1, ...) must each be a secret of at least 16 characters: the API accepts nothing without one");
        }

        foreach (var mirror in Runtime.Mirrors.Where(m => !new Core.Builds.RuntimeMirrors().TryAdd(m)))
        {
            problems.Add($"Farm__Runtime__Mirrors: '{mirror}' is not REGISTRY=TARGET (e.g. unikraft.org=127.0.0.1:5000/mirror)");
        }

        if (Signing.KeyFile is { } key && !File.Exists(key))
        {
            problems.Add($"Farm__Signing__KeyFile: {key} does not exist");
        }

        return problems;
    }
}
