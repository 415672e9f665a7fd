namespace Farm.Action.Tests;

/// <summary>What the runner reads: the outputs file (heredoc for multi-line values), the summary file, escaped workflow commands.</summary>
public sealed class WorkflowCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("action-commands-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Outputs_OneLineAndMultiLine_ParseBackAsTheRunnerReadsThem()
    {
        var outputs = Path.Combine(_dir, "output");
        var stdout = new StringWriter();
        var runner = new WorkflowCommands(name => name == "GITHUB_OUTPUT" ? outputs : null, stdout);

        runner.Output("index-digest", "sha256:abc");
        runner.Output("targets", "[\n1,\n2]");

        var lines = File.ReadAllLines(outputs);
        Assert.Equal("index-digest=sha256:abc", lines[0]);
        Assert.Matches("^targets<<(ghadelimiter_[0-9a-f]{32})$", lines[1]);
        Assert.Equal(["[", "1,", "2]"], lines[2..5]);
        Assert.Equal(lines[1]["targets<<".Length..], lines[5]);
        Assert.Empty(stdout.ToString());
    }

    [Fact]
    public void ErrorAnnotation_EscapesDataAndProperties()
    {
        var stdout = new StringWriter();
        var runner = new WorkflowCommands(name => name == "GITHUB_WORKSPACE" ? "/ws" : null, stdout);

        runner.Error("100% bad\nsecond line", runner.WorkspacePath("/ws/apps/a,b:c/Kraftfile"), 3, 7, "Kraftfile");

        Assert.Equal("::error file=apps/a%2Cb%3Ac/Kraftfile,line=3,col=7,title=Kraftfile::100%25 bad%0Asecond line" + Environment.NewLine, stdout.ToString());
    }

    [Fact]
    public void LocatedFarmMessages_BecomeAnnotationsOnTheirLine()
    {
        var stdout = new StringWriter();
        var runner = new WorkflowCommands(name => name == "GITHUB_WORKSPACE" ? "/ws" : null, stdout);

        Annotations.Report(runner, "/ws/app/Kraftfile:4:3: error: targets[0]: architecture must be specified for all targets");
        Annotations.Report(runner, "something without a place");

        var lines = stdout.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("::error file=app/Kraftfile,line=4,col=3,title=Kraftfile::targets[0]: architecture must be specified for all targets", lines[0]);
        Assert.Equal("::error::something without a place", lines[1]);
    }

    [Fact]
    public void Summary_HasARowPerTargetWithResultTimesAndCacheHits()
    {
        var build = new BuildReport("helloworld", "failed", "reg/app:1", null, "1 of 2 target(s) failed", [
            new TargetReport("helloworld", "helloworld_qemu-x86_64", "qemu/x86_64", "succeeded", "sha256:1", 7.5, 0.25, false, 12, 1, null),
            new TargetReport("helloworld", "helloworld_qemu-arm64", "qemu/arm64", "failed", null, 3, 1, false, 0, 5, "smoke test failed | crash"),
        ]);

        var markdown = StepSummary.Render(build, "on the runner");

        Assert.Contains("| target | result | build time | boot time | cache hits |", markdown, StringComparison.Ordinal);
        Assert.Contains("| helloworld (qemu/x86_64) | ✅ passed | 7.50 s | 0.25 s | 12/13 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| helloworld (qemu/arm64) | ❌ failed: smoke test failed \\| crash | 3.00 s | 1.00 s | 0/5 |", markdown, StringComparison.Ordinal);
    }
}
