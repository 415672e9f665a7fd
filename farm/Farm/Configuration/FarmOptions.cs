namespace Farm.Configuration;

/// <summary>
/// <c>farm serve</c>'s settings, bound from configuration (<c>Farm__ApiTokens__0</c>, <c>Farm__Registry__Insecure</c>,
/// <c>Farm__Signing__KeyFile</c>, ...) and checked before anything starts: a farm that would accept every
/// request, or none, does not start.
/// </summary>
public sealed partial class FarmOptions
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
}
