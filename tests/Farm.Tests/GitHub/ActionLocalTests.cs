using System.Text.Json;
using Farm.Core.Oci;
using Farm.Core.Oci.Layout;
using Farm.Tests.Cli;
using Farm.Tests.Shared;

namespace Farm.Tests.GitHub;

/// <summary>
/// The action's program in local mode, run as a runner runs it (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) on
/// examples/helloworld: the embedded farm builds and boots on this host, and the outputs, the summary and a signed
/// index come out; an input that makes no sense is an error annotation and builds nothing.
/// </summary>
public sealed class ActionLocalTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-action-local-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task LocalMode_OnHelloworld_WritesOutputsSummaryAndASignedIndex()
    {
        var key = Path.Combine(_work, "key");
        Assert.Equal(0, CliRun.Of("keygen", "--out", key).ExitCode);
        var layout = Path.Combine(_work, "oci");

        var run = await RunAsync(
            ("INPUT_WORKDIR", "examples/helloworld"),
            ("INPUT_TARGETS", "qemu/x86_64,linuxu/x86_64"),
            ("INPUT_IMAGE", $"oci:{layout}:helloworld"),
            ("INPUT_SIGN-KEY", await File.ReadAllTextAsync(key + ".pem", Ct)));

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var outputs = Outputs();
        var index = (await new OciLayoutRepository(layout).TryGetManifestAsync("helloworld", Ct))!;
        Assert.Equal(Digest.Of(index.Bytes).Value, outputs["index-digest"]);
        Assert.Equal($"oci:{layout}:helloworld", outputs["image"]);
        var targets = JsonDocument.Parse(outputs["targets"]).RootElement.EnumerateArray().ToList();
        Assert.Equal(["qemu/x86_64", "linuxu/x86_64"], targets.Select(t => t.GetProperty("platform").GetString()));
        Assert.All(targets, t => Assert.Equal("succeeded", t.GetProperty("state").GetString()));
        var summary = await File.ReadAllTextAsync(Path.Combine(_work, "summary.md"), Ct);
        Assert.Contains("| target | result | build time | boot time | cache hits |", summary, StringComparison.Ordinal);
        Assert.Contains("| helloworld (qemu/x86_64) | ✅ passed |", summary, StringComparison.Ordinal);
        var verify = CliRun.Of("verify", $"oci:{layout}:helloworld", "--key", key + ".pub");
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.DoesNotContain("BEGIN", run.Stdout + run.Stderr, StringComparison.Ordinal); // the key never reaches the log
    }

    [Fact]
    public async Task InputsThatMakeNoSense_AreErrorAnnotations_AndNothingIsBuilt()
    {
        var run = await RunAsync(("INPUT_WORKDIR", "examples/helloworld"), ("INPUT_KRAFTFILE", "Kraftfile.missing"), ("INPUT_TARGETS", "qemu/sparc"));
        var broken = Path.Combine(_work, "broken");
        Directory.CreateDirectory(broken);
        await File.WriteAllTextAsync(Path.Combine(broken, "Kraftfile"), "spec: v0.6\nname: broken\nunikraft: .\ntargets:\n- qemu/x87\n", Ct);
        var invalid = await RunAsync(("GITHUB_WORKSPACE", _work), ("INPUT_WORKDIR", "broken"), ("INPUT_IMAGE", $"oci:{Path.Combine(_work, "oci")}:broken"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("::error file=examples/helloworld/Kraftfile.missing,title=unikernel-build::input kraftfile: Kraftfile.missing: no such file", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("::error title=unikernel-build::input targets: 'qemu/sparc' is not a target", run.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_work, "output")));
        Assert.Equal(1, invalid.ExitCode);
        Assert.Matches(@"::error file=broken/Kraftfile,line=5,col=\d+,title=Kraftfile::", invalid.Stdout);
    }

    private Dictionary<string, string> Outputs()
    {
        // name=value lines, or name<<DELIMITER ... DELIMITER blocks.
        var outputs = new Dictionary<string, string>();
        var lines = File.ReadAllLines(Path.Combine(_work, "output"));
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Split("<<", 2) is [var name, var delimiter] && !lines[i].Contains('=', StringComparison.Ordinal))
            {
                var end = Array.IndexOf(lines, delimiter, i + 1);
                outputs[name] = string.Join("\n", lines[(i + 1)..end]);
                i = end;
            }
            else
            {
                var pair = lines[i].Split('=', 2);
                outputs[pair[0]] = pair[1];
            }
        }

        return outputs;
    }

    private async Task<CliRun> RunAsync(params (string Name, string Value)[] inputs)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var root = ProjectReferences.RepositoryRoot();
        var action = Path.Combine(root, "action", "Farm.Action", "bin", configuration, "net10.0", "Farm.Action.dll");
        (string, string)[] runner =
        [
            ("GITHUB_WORKSPACE", root),
            ("GITHUB_OUTPUT", Path.Combine(_work, "output")),
            ("GITHUB_STEP_SUMMARY", Path.Combine(_work, "summary.md")),
            ("RUNNER_TEMP", _work),
            ("XDG_CACHE_HOME", Path.Combine(_work, "cache")),
            ("FARM_CLI", $"dotnet {typeof(Farm.Cli.FarmCli).Assembly.Location}"),
            ("FARM_CC", Serve.FarmCluster.FarmCc()),
        ];
        var environment = runner.Where(r => !inputs.Any(i => i.Name == r.Item1)).Concat(inputs).ToArray();
        return await FarmProcess.RunAsync([action], environment, Ct, assembly: null);
    }
}
