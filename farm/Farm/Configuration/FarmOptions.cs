namespace Farm.Configuration;

/// <summary>
/// <c>farm serve</c>'s settings, bound from configuration (<c>Farm__ApiTokens__0</c>, <c>Farm__Registry__Insecure</c>,
/// <c>Farm__Signing__KeyFile</c>, ...) and checked before anything starts: a farm that would accept every
/// request, or none, does not start.
/// </summary>
public sealed class FarmOptions
{
    public List<string> ApiTokens { get; init; } = [];

    /// <summary>
    /// <c>Farm__CacheDirectory</c> (else <c>Farm__Worker__CacheDirectory</c>, else the user's cache directory): where the
    /// farm keeps git mirrors and checkouts to plan from.
    /// </summary>
    [State.Settings.AlsoReadFrom("Farm__Worker__CacheDirectory")]
    public string? CacheDirectory { get; init; }

    public RegistrySettings Registry { get; init; } = new();

    public SigningSettings Signing { get; init; } = new();

    public SourceSettings Sources { get; init; } = new();

    public RuntimeSettings Runtime { get; init; } = new();

    public GitHubSettings GitHub { get; init; } = new();

    public CatalogSettings Catalog { get; init; } = new();

    public RateLimitSettings RateLimits { get; init; } = new();

    public BuildSettings Builds { get; init; } = new();

    public WorkerSettings Workers { get; init; } = new();

    public MetricsSettings Metrics { get; init; } = new();

    public LoggingSettings Logging { get; init; } = new();
    public DashboardSettings Dashboard { get; init; } = new();

    public sealed class DashboardSettings
    {
        /// <summary>
        /// <c>Farm__Dashboard__AnonymousRead</c>: anyone may read the dashboard's pages (builds, logs, catalog, workers,
        /// cache) without signing in, for a public catalog; every action still needs a role. Off: pages send to /login.
        /// </summary>
        public bool AnonymousRead { get; init; }

        /// <summary>
        /// <c>Farm__Dashboard__RegressionPercent</c>: a catalog cell is flagged when its boot time or kernel size rises more
        /// than this share above the median of its last 10 passing runs.
        /// </summary>
        public double RegressionPercent { get; init; } = 20;

        /// <summary><c>Farm__Dashboard__LogTailLines</c>: how many lines of a log a page renders at first; earlier ones on request.</summary>
        public int LogTailLines { get; init; } = 2000;
    }

    public sealed class BuildSettings
    {
        /// <summary><c>Farm__Builds__TimeoutMinutes</c>: a build still open this long after its submission fails, naming the target it waited on.</summary>
        public int TimeoutMinutes { get; init; } = 60;

        /// <summary>
        /// <c>Farm__Builds__QueueWaitMinutes</c>: how long a target waits for a live worker of its queue before it fails
        /// naming the queue. 0: a target no live worker serves when the build is planned is skipped at once, with the reason.
        /// </summary>
        public double QueueWaitMinutes { get; init; } = 10;

        public TimeSpan QueueWait => TimeSpan.FromMinutes(QueueWaitMinutes);
    }

    public sealed class WorkerSettings
    {
        /// <summary>
        /// <c>Farm__Workers__DeadAfterSeconds</c>: a worker whose heartbeat (every 2 s) is older is gone: its running
        /// targets are requeued at once, not after Hangfire's invisibility timeout.
        /// </summary>
        public int DeadAfterSeconds { get; init; } = 15;

        public TimeSpan DeadAfter => TimeSpan.FromSeconds(DeadAfterSeconds);
    }

    public sealed class GitHubSettings
    {
        /// <summary><c>Farm__GitHub__WebhookSecret</c>: without it <c>/api/github/webhooks</c> is not mapped (an unsigned hook would build anything).</summary>
        public string? WebhookSecret { get; init; }

        /// <summary><c>Farm__GitHub__Images</c>: where webhook builds publish, <c>host:port/prefix</c>; each app goes to <c>PREFIX/OWNER/REPO/APP:SHA12</c>.</summary>
        public string? Images { get; init; }

        /// <summary><c>Farm__GitHub__WebhookMaxMegabytes</c>: the largest delivery read (GitHub sends at most 25 MB).</summary>
        public int WebhookMaxMegabytes { get; init; } = 25;
    }

    public sealed class CatalogSettings
    {
        /// <summary><c>Farm__Catalog__Repository</c>: the catalog's git URL; every Kraftfile at its default branch's head is rebuilt.</summary>
        public string? Repository { get; init; }

        /// <summary><c>Farm__Catalog__Cron</c>: when the nightly rebuild runs (UTC, cron syntax).</summary>
        public string Cron { get; init; } = "0 3 * * *";

        /// <summary><c>Farm__Catalog__Images</c>: where catalog apps publish, <c>host:port/prefix</c>; each app goes to <c>PREFIX/APP:latest</c>.</summary>
        public string? Images { get; init; }
    }

    public sealed class RuntimeSettings
    {
        /// <summary><c>Farm__Runtime__Mirrors__0=unikraft.org=host:port/mirror</c>: where runtime images are fetched from.</summary>
        public List<string> Mirrors { get; init; } = [];
    }

    public sealed class SourceSettings
    {
        /// <summary><c>Farm__Sources__MaxMegabytes</c>: the largest uploaded source archive accepted, and so the largest request body.</summary>
        public int MaxMegabytes { get; init; } = 64;

        /// <summary>
        /// <c>Farm__Sources__Allow__0..N</c>: globs of the git URLs builds may name (the API's source, webhooks, the catalog,
        /// every URL in a Kraftfile). Empty means <c>https://*</c>, <c>ssh://*</c> and <c>git@*</c>; <c>file://</c> is
        /// reachable only when a pattern names it. Workers read the same variable.
        /// </summary>
        public List<string> Allow { get; init; } = [];

        public Core.Sources.SourcePolicy Policy() => new(Allow);
    }

    /// <summary>
    /// Requests per minute before 429. The defaults leave room for a CI that polls a few builds and streams their logs
    /// (one request per stream, however long it lasts); failed authentications are few for anyone but a guesser.
    /// </summary>
    public sealed class RateLimitSettings
    {
        /// <summary><c>Farm__RateLimits__ApiPerMinute</c>: API requests per minute for one token, in bursts of up to as many.</summary>
        public int ApiPerMinute { get; init; } = 12000;

        /// <summary><c>Farm__RateLimits__WebhooksPerMinute</c>: webhook deliveries per minute from one address (GitHub sends from a few).</summary>
        public int WebhooksPerMinute { get; init; } = 600;

        /// <summary><c>Farm__RateLimits__FailedAuthenticationsPerMinute</c>: failed authentications from one address before it is refused for the rest of the minute.</summary>
        public int FailedAuthenticationsPerMinute { get; init; } = 20;
    }

    public sealed class RegistrySettings
    {
        private static readonly Core.Oci.Distribution.RegistryClientOptions Defaults = new();

        /// <summary>The default registry for images named without one (host:port).</summary>
        public string? Url { get; init; }

        public bool Insecure { get; init; }

        /// <summary><c>Farm__Registry__RequestTimeoutSeconds</c>: one request to its answer; a registry that stays silent costs this much per try.</summary>
        public int RequestTimeoutSeconds { get; init; } = (int)Defaults.RequestTimeout.TotalSeconds;

        /// <summary><c>Farm__Registry__OperationTimeoutSeconds</c>: one operation (a push, a read) with all its retries.</summary>
        public int OperationTimeoutSeconds { get; init; } = (int)Defaults.OperationTimeout.TotalSeconds;

        /// <summary><c>Farm__Registry__MaxAttempts</c>: tries of an idempotent request (a tag's PUT is repeated only after a 429 or 5xx).</summary>
        public int MaxAttempts { get; init; } = Defaults.MaxAttempts;

        public Core.Oci.Distribution.RegistryClientOptions ClientOptions(bool insecure) => new()
        {
            Insecure = insecure,
            RequestTimeout = TimeSpan.FromSeconds(RequestTimeoutSeconds),
            OperationTimeout = TimeSpan.FromSeconds(OperationTimeoutSeconds),
            MaxAttempts = MaxAttempts,
        };
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

        if (ApiTokens.Count == 0 || ApiTokens.Exists(t => ApiToken.Parse(t).Secret.Length < 16))
        {
            problems.Add("Farm__ApiTokens__0 (and __1, ...) must each be a secret of at least 16 characters, optionally after viewer:, operator: or admin: (the default): the API accepts nothing without one");
        }

        foreach (var mirror in Runtime.Mirrors.Where(m => !new Core.Builds.RuntimeMirrors().TryAdd(m)))
        {
            problems.Add($"Farm__Runtime__Mirrors: '{mirror}' is not REGISTRY=TARGET (e.g. unikraft.org=127.0.0.1:5000/mirror)");
        }

        if (GitHub.WebhookSecret is { Length: > 0 and < 16 })
        {
            problems.Add("Farm__GitHub__WebhookSecret must be at least 16 characters");
        }

        if (GitHub.WebhookSecret is { Length: > 0 } && !IsImagePrefix(GitHub.Images))
        {
            problems.Add("Farm__GitHub__Images (host:port/prefix) is required with Farm__GitHub__WebhookSecret: where the builds of pushes and pull requests publish");
        }

        if (Catalog.Repository is { Length: > 0 })
        {
            if (!IsImagePrefix(Catalog.Images))
            {
                problems.Add("Farm__Catalog__Images (host:port/prefix) is required with Farm__Catalog__Repository: where catalog apps publish");
            }
        }

        if (Metrics.Token is { Length: > 0 and < 16 })
        {
            problems.Add("Farm__Metrics__Token must be at least 16 characters (or unset: /metrics open on the farm's port)");
        }

        // A MemoryStream holds an upload: it cannot pass 2 GiB.
        if (Sources.MaxMegabytes is < 1 or > 2000)
        {
            problems.Add($"Farm__Sources__MaxMegabytes: {Sources.MaxMegabytes} is not between 1 and 2000");
        }

        if (GitHub.WebhookMaxMegabytes is < 1 or > 100)
        {
            problems.Add($"Farm__GitHub__WebhookMaxMegabytes: {GitHub.WebhookMaxMegabytes} is not between 1 and 100 (GitHub sends at most 25)");
        }

        foreach (var (name, value) in new[] { ("ApiPerMinute", RateLimits.ApiPerMinute), ("WebhooksPerMinute", RateLimits.WebhooksPerMinute), ("FailedAuthenticationsPerMinute", RateLimits.FailedAuthenticationsPerMinute) })
        {
            if (value < 1)
            {
                problems.Add($"Farm__RateLimits__{name}: {value} must be at least 1");
            }
        }

        if (Builds.TimeoutMinutes is < 1 or > 7 * 24 * 60)
        {
            problems.Add($"Farm__Builds__TimeoutMinutes: {Builds.TimeoutMinutes} is not between 1 and 10080 (a week)");
        }

        if (Registry.RequestTimeoutSeconds is < 1 or > 3600)
        {
            problems.Add($"Farm__Registry__RequestTimeoutSeconds: {Registry.RequestTimeoutSeconds} is not between 1 and 3600");
        }

        if (Registry.OperationTimeoutSeconds < Registry.RequestTimeoutSeconds || Registry.OperationTimeoutSeconds > 24 * 3600)
        {
            problems.Add($"Farm__Registry__OperationTimeoutSeconds: {Registry.OperationTimeoutSeconds} is not between Farm__Registry__RequestTimeoutSeconds ({Registry.RequestTimeoutSeconds}) and 86400");
        }

        if (Registry.MaxAttempts is < 1 or > 10)
        {
            problems.Add($"Farm__Registry__MaxAttempts: {Registry.MaxAttempts} is not between 1 and 10");
        }

        for (var i = 0; i < Sources.Allow.Count; i++)
        {
            if (!IsSourcePattern(Sources.Allow[i]))
            {
                problems.Add($"{Core.Sources.SourcePolicy.Setting}__{i}: '{Sources.Allow[i]}' is not a URL glob such as https://github.com/org/* or git@github.com:org/* (a scheme of https, http, ssh, git or file, or USER@HOST)");
            }
        }

        if (Builds.QueueWaitMinutes is < 0 or > 10080 || double.IsNaN(Builds.QueueWaitMinutes))
        {
            problems.Add($"Farm__Builds__QueueWaitMinutes: {Builds.QueueWaitMinutes} is not between 0 (skip at once) and 10080 (a week)");
        }

        // Below a few heartbeats, one slow heartbeat would make a live worker's targets run twice.
        if (Workers.DeadAfterSeconds is < 5 or > 3600)
        {
            problems.Add($"Farm__Workers__DeadAfterSeconds: {Workers.DeadAfterSeconds} is not between 5 (workers heartbeat every {State.Postgres.WorkerRegistry.HeartbeatInterval.TotalSeconds:0} s) and 3600");
        }

        if (Signing.KeyFile is { } key && !File.Exists(key))
        {
            problems.Add($"Farm__Signing__KeyFile: {key} does not exist");
        }

        if (Dashboard.RegressionPercent is <= 0 or > 1000)
        {
            problems.Add($"Farm__Dashboard__RegressionPercent: {Dashboard.RegressionPercent} is not above 0 and at most 1000");
        }

        if (Dashboard.LogTailLines is < 100 or > 100_000)
        {
            problems.Add($"Farm__Dashboard__LogTailLines: {Dashboard.LogTailLines} is not between 100 and 100000");
        }

        return problems;
    }

    /// <summary>A glob that can only match URLs of a known transport: '*' alone would admit local paths and remote helpers.</summary>
    private static bool IsSourcePattern(string pattern) =>
        System.Text.RegularExpressions.Regex.IsMatch(pattern, "^((https?|ssh|git|file)://.|[A-Za-z0-9._-]+@[A-Za-z0-9.\\[])", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));

    private bool IsImagePrefix(string? prefix) =>
        prefix is { Length: > 0 } && Core.Oci.OciReference.TryParse(Qualify(prefix.TrimEnd('/')) + "/x:latest", out var reference, out _) && !reference.IsLayout;
}
