using System.Text;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>The registry's config.yml, the same settings tests/registry.sh writes (plus token auth on request).</summary>
internal static class RegistryConfig
{
    /// <summary>A response header whose value is unique per registry, so start-up can tell its own registry from another on the port.</summary>
    public const string InstanceHeader = "X-Test-Registry-Instance";

    public static string Render(int port, string storageDirectory, string instanceId, string secret, string logLevel, TokenAuthSettings? tokenAuth)
    {
        var yaml = new StringBuilder()
            .Append("version: 0.1\n")
            .Append("log:\n")
            .Append("  level: ").Append(logLevel).Append('\n')
            .Append("  formatter: text\n")
            .Append("storage:\n")
            .Append("  filesystem:\n")
            .Append("    rootdirectory: ").Append(Quote(storageDirectory)).Append('\n')
            .Append("  delete:\n")
            .Append("    enabled: true\n")
            .Append("  maintenance:\n")
            .Append("    uploadpurging:\n")
            .Append("      enabled: false\n")
            .Append("http:\n")
            .Append("  addr: 127.0.0.1:").Append(port).Append('\n')
            .Append("  secret: ").Append(Quote(secret)).Append('\n')
            .Append("  headers:\n")
            .Append("    ").Append(InstanceHeader).Append(": [").Append(Quote(instanceId)).Append("]\n");
        if (tokenAuth is not null)
        {
            yaml.Append("auth:\n")
                .Append("  token:\n")
                .Append("    realm: ").Append(Quote(tokenAuth.Realm.ToString())).Append('\n')
                .Append("    service: ").Append(Quote(TokenServer.Service)).Append('\n')
                .Append("    issuer: ").Append(Quote(TokenServer.Issuer)).Append('\n')
                .Append("    rootcertbundle: ").Append(Quote(tokenAuth.RootCertBundlePath)).Append('\n');
        }

        return yaml.ToString();
    }

    private static string Quote(string value) => "'" + value.Replace("'", "''") + "'";
}

internal sealed record TokenAuthSettings(Uri Realm, string RootCertBundlePath);
