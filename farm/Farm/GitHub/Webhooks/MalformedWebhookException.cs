namespace Farm.GitHub.Webhooks;

/// <summary>A signed delivery whose headers or payload the farm cannot read: answered 400, nothing recorded.</summary>
internal sealed class MalformedWebhookException : Exception
{
    public MalformedWebhookException(string message)
        : base(message)
    {
    }

    public MalformedWebhookException()
    {
    }

    public MalformedWebhookException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
