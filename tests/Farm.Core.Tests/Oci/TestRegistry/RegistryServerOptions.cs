namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>How <see cref="RegistryServer.StartAsync"/> configures the registry; the defaults are an open registry.</summary>
internal sealed class RegistryServerOptions
{
    /// <summary>When set, the registry runs in <c>auth: token</c> mode and trusts tokens signed by this server.</summary>
    public TokenServer? TokenAuth { get; init; }

    /// <summary>
    /// The registry's <c>log.level</c>: <c>error</c>, <c>warn</c>, <c>info</c> or <c>debug</c>. At <c>warn</c> a refused
    /// token shows only as "invalid token"; <c>info</c> adds why (issuer, audience, expiry, signature).
    /// </summary>
    public string LogLevel { get; init; } = "warn";

    /// <summary>How long the registry may take to answer <c>GET /v2/</c> after it is launched (it takes ~50 ms).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(20);
}
