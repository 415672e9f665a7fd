using System.Text.Json;
using Farm.Core.Builds;
using Hangfire;
using Hangfire.States;
using Octokit.Webhooks.Events;

namespace Farm.GitHub.Webhooks;

/// <summary>
/// Answers GitHub's deliveries fast: once the signature and the payload were checked (<see cref="GitHubWebhooks"/>),
/// each delivery is recorded once by its <c>X-GitHub-Delivery</c> id and by its body's SHA-256 (a redelivery, or a
/// signed body replayed under a new id, changes nothing), and a <see cref="GitHubDeliveryJob"/> is enqueued on the
/// farm's control queue, which does the work.
/// </summary>
internal sealed class FarmWebhookProcessor
{
    /// <summary>The events the farm acts on, and the payload type each must parse as.</summary>
    private static readonly Dictionary<string, Type> Handled = new(StringComparer.Ordinal)
    {
        ["ping"] = typeof(PingEvent),
        ["push"] = typeof(PushEvent),
        ["pull_request"] = typeof(PullRequestEvent),
        ["check_run"] = typeof(CheckRunEvent),
        ["check_suite"] = typeof(CheckSuiteEvent),
        ["repository_dispatch"] = typeof(RepositoryDispatchEvent),
        ["installation"] = typeof(InstallationEvent),
    };

    private readonly GitHubStore _store;
    private readonly IBackgroundJobClient _jobs;

    public FarmWebhookProcessor(GitHubStore store, IBackgroundJobClient jobs)
    {
        _store = store;
        _jobs = jobs;
    }

    /// <summary>Records the delivery and enqueues its job, or says which delivery it repeats.</summary>
    public async Task<WebhookReceipt> ReceiveAsync(string delivery, string @event, string body, string bodySha256, CancellationToken cancellationToken)
    {
        if (await _store.RecordDeliveryAsync(delivery, @event, body, bodySha256, cancellationToken).ConfigureAwait(false) is { } first)
        {
            return new WebhookReceipt(delivery, "duplicate", $"delivery {first} had the same {(first == delivery ? "id" : "body")}: it is handled once", first);
        }

        if (!Handled.ContainsKey(@event))
        {
            var ignored = $"ignored: the farm does not act on {@event}";
            await _store.SetOutcomeAsync(delivery, ignored, cancellationToken).ConfigureAwait(false);
            return new WebhookReceipt(delivery, "ignored", ignored, null);
        }

        _jobs.Create(Hangfire.Common.Job.FromExpression<GitHubDeliveryJob>(j => j.RunAsync(delivery, CancellationToken.None)), new EnqueuedState(FarmQueues.Control));
        return new WebhookReceipt(delivery, "accepted", null, null);
    }

    /// <summary>Why a delivery's payload cannot be acted on (not JSON, not the event's shape, no repository), or null.</summary>
    public static string? Problem(string @event, string body)
    {
        if (!Handled.TryGetValue(@event, out var type))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object || JsonSerializer.Deserialize(body, type) is null)
            {
                return $"the {@event} payload is not a JSON object";
            }

            return @event is "ping" or "installation" || document.RootElement.TryGetProperty("repository", out _)
                ? null
                : $"the {@event} payload names no repository";
        }
        catch (JsonException ex)
        {
            return $"the {@event} payload is not valid: {ex.Message}";
        }
    }
}

/// <summary>The answer to one delivery: <c>accepted</c>, <c>ignored</c> or <c>duplicate</c> (of <see cref="DuplicateOf"/>).</summary>
internal sealed record WebhookReceipt(string Delivery, string Status, string? Reason, string? DuplicateOf);
