using System.Text.Json;
using Farm.Core.Builds;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.Primitives;
using Octokit.Webhooks;
using Octokit.Webhooks.Events;

namespace Farm.GitHub.Webhooks;

/// <summary>
/// Answers GitHub's deliveries fast: once the signature and the payload were checked (<see cref="GitHubWebhooks"/>),
/// each delivery is recorded once by its <c>X-GitHub-Delivery</c> id (a replay changes nothing), and a
/// <see cref="GitHubDeliveryJob"/> is enqueued on the farm's control queue, which does the work.
/// </summary>
internal sealed class FarmWebhookProcessor : WebhookEventProcessor
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

    public override async ValueTask ProcessWebhookAsync(IDictionary<string, StringValues> headers, string body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var delivery = Header(headers, "X-GitHub-Delivery");
        var @event = Header(headers, "X-GitHub-Event");
        if (delivery is null || @event is null)
        {
            return; // GitHubWebhooks answered 400 before this
        }

        var type = Handled.GetValueOrDefault(@event);
        if (!await _store.RecordDeliveryAsync(delivery, @event, body, cancellationToken).ConfigureAwait(false))
        {
            return; // a redelivery or a replay: recorded and handled the first time
        }

        if (type is null)
        {
            await _store.SetOutcomeAsync(delivery, $"ignored: the farm does not act on {@event}", cancellationToken).ConfigureAwait(false);
            return;
        }

        _jobs.Create(Hangfire.Common.Job.FromExpression<GitHubDeliveryJob>(j => j.RunAsync(delivery, CancellationToken.None)), new EnqueuedState(FarmQueues.Control));
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

    private static string? Header(IDictionary<string, StringValues> headers, string name) =>
        headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value.ToString() is { Length: > 0 } value ? value : null;
}
