using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Shared;

namespace Farm.Tests.Cli;

/// <summary>
/// A release's <c>farm</c> (farm/Farm.Front, a JIT build of it here: the same code NativeAOT compiles) installed as
/// ansible/release.sh installs it: in a directory of its own, with or without <c>farm-host</c> beside it.
/// </summary>
public sealed class FarmFrontTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-front-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task StandaloneCommands_RunWithoutTheHost()
    {
        // No farm-host in the release: had the front handed any of these on, it would have failed with 127.
        var farm = Install(host: null);
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var kernel = Path.Combine(_work, "kernel");
        await File.WriteAllBytesAsync(kernel, RandomNumberGenerator.GetBytes(8192), Ct);
        var config = Path.Combine(_work, "config");
        await File.WriteAllTextAsync(config, "CONFIG_PLAT_KVM=y\n", Ct);
        var layout = $"oci:{Path.Combine(_work, "layout")}:v1";
        var image = $"{registry.Host}/apps/front:v1";

        var pkg = await RunAsync(farm, "pkg", "--kernel", kernel, "--config", config, "--plat", "qemu", "--arch", "x86_64", layout);
        var copy = await RunAsync(farm, "copy", "--insecure", layout, image);
        var inspect = await RunAsync(farm, "inspect", "--insecure", "--json", image);

        Assert.True(pkg.ExitCode == 0 && copy.ExitCode == 0 && inspect.ExitCode == 0, pkg.Stderr + copy.Stderr + inspect.Stderr);
        Assert.StartsWith("copied sha256:", copy.Stdout, StringComparison.Ordinal);
        var manifests = JsonDocument.Parse(inspect.Stdout).RootElement.GetProperty("manifests").EnumerateArray();
        Assert.Equal(["qemu/x86_64"], manifests.Select(m => m.GetProperty("platform").GetString()));
    }

    [Fact]
    public async Task StandaloneCommands_AnswerAsTheHostDoes()
    {
        var farm = Install(host: null);
        string[] kraftfiles = ["app-nginx/kraft.cloud.yaml", "app-helloworld/kraft.cloud.yaml", "catalog/library/caddy/2.10/Kraftfile", "README.md"];
        foreach (var relative in kraftfiles)
        {
            var kraftfile = Path.Combine(ProjectReferences.RepositoryRoot(), "..", "shared", "kraftfiles", relative);
            foreach (var command in new[] { "plan", "kraftfile check" })
            {
                string[] args = [.. command.Split(' '), "--json", kraftfile];
                var front = await RunAsync(farm, args);
                var host = CliRun.Of(args);

                Assert.Equal((host.ExitCode, host.Stdout, host.Stderr), (front.ExitCode, front.Stdout, front.Stderr));
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("--help")]
    [InlineData("serve|--urls|http://127.0.0.1:1")]
    [InlineData("build|an app/Kraftfile||--json")]
    [InlineData("nosuch|copy")]
    public async Task OtherCommands_ReplaceTheFrontWithTheHost(string commandLine)
    {
        string[] args = commandLine.Length == 0 ? [] : commandLine.Split('|');
        // A host that says who it is: the same process (exec, so systemd's main PID is the server's), the arguments
        // exactly as given, and its exit code is the command's.
        var record = Path.Combine(_work, "host-saw");
        var farm = Install(host: $"#!/bin/sh\necho \"$$\" > '{record}'\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\" >> '{record}'; done\necho from-host\nexit 42\n");

        using var process = Start(farm, args);
        var stdout = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);

        Assert.Equal(42, process.ExitCode);
        Assert.Equal("from-host\n", stdout);
        var lines = await File.ReadAllLinesAsync(record, Ct);
        Assert.Equal(process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), lines[0]);
        Assert.Equal(args.Select(a => $"[{a}]"), lines.Skip(1));
    }

    [Fact]
    public async Task HostMissing_Is127AndOneLine()
    {
        var farm = Install(host: null);

        var run = await RunAsync(farm, "serve");

        Assert.Equal(127, run.ExitCode);
        Assert.Equal($"farm: cannot run {Path.Combine(Path.GetDirectoryName(farm)!, "farm-host")}: No such file or directory (a release installs farm-host beside farm: install the whole release again, ansible/release.sh)\n", run.Stderr);
    }

    /// <summary>The front's build output copied to a directory of its own, with <paramref name="host"/> as farm-host.</summary>
    private string Install(string? host)
    {
        // tests/Farm.Tests/bin/CONFIGURATION/net10.0/ → farm/Farm.Front/bin/CONFIGURATION/net10.0/
        var framework = new DirectoryInfo(AppContext.BaseDirectory);
        var built = Path.Combine(ProjectReferences.RepositoryRoot(), "farm", "Farm.Front", "bin", framework.Parent!.Name, framework.Name);
        var release = Directory.CreateDirectory(Path.Combine(_work, "release")).FullName;
        foreach (var file in Directory.EnumerateFiles(built))
        {
            File.Copy(file, Path.Combine(release, Path.GetFileName(file)), overwrite: true);
        }

        if (host is not null)
        {
            var path = Path.Combine(release, "farm-host");
            File.WriteAllText(path, host);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return Path.Combine(release, "farm-front");
    }

    private static Process Start(string farm, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(farm) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    private static async Task<CliRun> RunAsync(string farm, params string[] args)
    {
        using var process = Start(farm, args);
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}
