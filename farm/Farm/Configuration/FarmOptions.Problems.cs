namespace Farm.Configuration;

/// <summary>The start-up checks of the farm's settings: each problem names the variable to fix.</summary>
public sealed partial class FarmOptions
{
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
