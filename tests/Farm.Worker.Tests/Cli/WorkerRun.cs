using System.Text.Json;
using Farm.Worker.Cli;

namespace Farm.Worker.Tests.Cli;

/// <summary>Runs the worker CLI in-process and captures what a user would see.</summary>
internal sealed record WorkerRun(int ExitCode, string Stdout, string Stderr)
{
    public static async Task<WorkerRun> OfAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await WorkerCli.RunAsync(args, stdout, stderr);
        return new WorkerRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Builds one target into <paramref name="output"/>/out (build directory <paramref name="output"/>/build).</summary>
    public static Task<WorkerRun> BuildAsync(string kraftfileDirectory, string target, TempDirectory output, params string[] extra) =>
        OfAsync(["build-target", kraftfileDirectory, "--target", target, "--out", output.Combine("out"), "--build-dir", output.Combine("build"), "--json", .. extra]);

    public JsonElement Result => JsonDocument.Parse(Stdout).RootElement;
}
