using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Farm.Core.Oci;

namespace Farm.Action;

/// <summary>
/// Local mode (no <c>farm-url</c>): the embedded farm on the runner, through <c>farm build --json</c>, with the remote
/// cache tiers when given. Its log goes to the job log as it comes; its JSON is the result. Secrets (the signing key,
/// registry credentials) go to files only this process can read, removed afterwards.
/// </summary>
internal sealed class LocalBuild
{
    private readonly ActionInputs _inputs;
    private readonly WorkflowCommands _runner;
    private readonly Func<string, string?> _environment;

    public LocalBuild(ActionInputs inputs, WorkflowCommands runner, Func<string, string?> environment)
    {
        _inputs = inputs;
        _runner = runner;
        _environment = environment;
    }

    /// <summary>The build, or null with the problems already reported as annotations.</summary>
    public async Task<BuildReport?> RunAsync(CancellationToken cancellationToken)
    {
        if (FarmCommand.Locate(_environment) is not { } farm)
        {
            _runner.Error("the farm CLI was not found: set FARM_CLI, put farm on PATH, or run the action from its repository");
            return null;
        }

        var temp = Directory.CreateTempSubdirectory("unikernel-build-");
        try
        {
            var arguments = new List<string>(farm.Prefix) { "build", Path.GetDirectoryName(_inputs.Kraftfile)!, "--json" };
            if (_inputs.Targets.Count > 0)
            {
                arguments.AddRange(["--targets", string.Join(',', _inputs.Targets)]);
            }

            arguments.AddRange(Destination());
            if (!_inputs.Smoke)
            {
                // Every platform the runner compiles for, published without a boot (runners have no Xen or Firecracker).
                arguments.Add("--no-smoke");
            }

            var environment = new Dictionary<string, string?>();
            if (_inputs.SignKey is { } key)
            {
                var keyFile = Path.Combine(temp.FullName, "sign-key.pem");
                await WritePrivateAsync(keyFile, key.Replace("\\n", "\n", StringComparison.Ordinal) + "\n", cancellationToken).ConfigureAwait(false);
                arguments.AddRange(["--sign-key", keyFile]);
            }

            if (_inputs.CacheRedis is { } redis)
            {
                environment["FARM_CACHE_REDIS"] = redis;
            }

            if (_inputs.CacheRegistry is { } registry)
            {
                environment["FARM_CACHE_REGISTRY"] = registry;
            }

            if (_inputs.RegistryUsername is { } user && _inputs.Image is { } image && OciReference.TryParse(image, out var reference, out _) && !reference.IsLayout)
            {
                var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{_inputs.RegistryPassword}"));
                await WritePrivateAsync(Path.Combine(temp.FullName, "config.json"), JsonSerializer.Serialize(new { auths = new Dictionary<string, object> { [reference.Registry!] = new { auth } } }), cancellationToken).ConfigureAwait(false);
                environment["DOCKER_CONFIG"] = temp.FullName;
            }

            var (exit, stdout) = await RunAsync(farm.FileName, arguments, environment, cancellationToken).ConfigureAwait(false);
            JsonElement root;
            try
            {
                root = JsonDocument.Parse(stdout).RootElement;
            }
            catch (JsonException)
            {
                _runner.Error($"farm build exited with {exit} without a result; its log is above");
                return null;
            }

            foreach (var rejected in root.GetProperty("rejected").EnumerateArray())
            {
                foreach (var error in rejected.GetProperty("errors").EnumerateArray())
                {
                    Annotations.Report(_runner, error.GetString() ?? string.Empty);
                }
            }

            var builds = root.GetProperty("builds");
            return builds.GetArrayLength() > 0 ? BuildReport.Parse(builds[0]) : null;
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>farm build's destination: the image (a layout, or pushed), else a layout under the runner's temp directory.</summary>
    private IEnumerable<string> Destination()
    {
        if (_inputs.Image is { } image && OciReference.TryParse(image, out var reference, out _))
        {
            if (reference.IsLayout)
            {
                return ["--output", image];
            }

            if (_inputs.Push)
            {
                return ["--push", image];
            }
        }

        // Not pushed: an OCI layout a later step can upload as an artifact, tagged with the app's name.
        var runnerTemp = _environment("RUNNER_TEMP") is { Length: > 0 } t ? t : Path.GetTempPath();
        return ["--output", $"oci:{Path.Combine(runnerTemp, "unikernel-build", "oci")}"];
    }

    private static async Task WritePrivateAsync(string path, string text, CancellationToken cancellationToken)
    {
        await using (var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<(int Exit, string Stdout)> RunAsync(string fileName, IReadOnlyList<string> arguments, Dictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _inputs.Workdir };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        string? line;
        while ((line = await process.StandardError.ReadLineAsync(cancellationToken).ConfigureAwait(false)) is not null)
        {
            _runner.Line(line);
        }

        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, await stdout.ConfigureAwait(false));
    }
}
