namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>One request the <see cref="FaultProxy"/> saw, and the status it answered (0: it dropped the connection).</summary>
internal sealed record ProxiedRequest(string Method, string PathAndQuery, int StatusCode)
{
    public string Path => PathAndQuery.Split('?', 2)[0];

    /// <summary>A step of a blob upload: <c>POST</c>, <c>PATCH</c> or <c>PUT</c> under <c>/blobs/uploads/</c>.</summary>
    public bool IsBlobUpload =>
        Method is "POST" or "PATCH" or "PUT" && Path.Contains("/blobs/uploads/", StringComparison.Ordinal);
}
