namespace Farm.Operations;

/// <summary>One part the farm needs, asked whether it answers.</summary>
internal interface IReadinessCheck
{
    /// <summary>The name <c>/readyz</c> gives it: <c>postgres</c>, <c>redis</c>, <c>registry</c>.</summary>
    string Part { get; }

    /// <summary>Returns when the part answered as it should; throws otherwise.</summary>
    Task CheckAsync(CancellationToken cancellationToken);

    /// <summary>The failure in a few words fit for an unauthenticated answer.</summary>
    string Describe(Exception exception) => NetworkFailure.Describe(exception);
}

/// <summary>A connection's failure in a few words: the socket's error code, never the address it tried.</summary>
internal static class NetworkFailure
{
    public static string Describe(Exception exception) => exception switch
    {
        System.Net.Sockets.SocketException socket => $"unreachable ({socket.SocketErrorCode})",
        HttpRequestException { InnerException: System.Net.Sockets.SocketException socket } => $"unreachable ({socket.SocketErrorCode})",
        HttpRequestException => "unreachable",
        _ => $"failed ({exception.GetType().Name})",
    };
}
