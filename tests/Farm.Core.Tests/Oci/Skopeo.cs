using System.Diagnostics;

namespace Farm.Core.Tests.Oci;

/// <summary>Debian's skopeo, the third-party client our images must satisfy.</summary>
internal static class Skopeo
{
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("skopeo") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start skopeo; run tests/install-packages.sh");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The bytes skopeo reads at a reference (<c>inspect --raw</c>).</summary>
    public static async Task<byte[]> RawAsync(string reference)
    {
        var info = new ProcessStartInfo("skopeo") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "inspect", "--raw", "--tls-verify=false", reference })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        using var buffer = new MemoryStream();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.BaseStream.CopyToAsync(buffer);
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"skopeo inspect --raw {reference}: {await error}");
        return buffer.ToArray();
    }
}
