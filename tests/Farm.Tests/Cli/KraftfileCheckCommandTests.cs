using System.Text.Json;

namespace Farm.Tests.Cli;

public sealed class KraftfileCheckCommandTests
{
    private const string Valid = "spec: v0.6\nname: Hello.World\nunikraft: stable\ntargets:\n  - qemu/x86_64\n  - kvm/arm64\n";
    private const string Broken = "spec: v0.6\nunikraft: stable\ntargets:\n  - qemu/x86_64\n  - platform: fc\n";

    [Fact]
    public void Check_Json_OneObjectPerPathWithLocatedErrors()
    {
        using var apps = new TempApps();
        var good = apps.Add("good", Valid, "kraft.yaml");
        var bad = apps.Add("bad", Broken);

        var run = CliRun.Of("kraftfile", "check", "--json", good, bad);

        Assert.Equal(1, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Stdout);
        var (first, second) = (doc.RootElement[0], doc.RootElement[1]);
        Assert.Equal(2, doc.RootElement.GetArrayLength());
        Assert.Equal(good, first.GetProperty("path").GetString());
        Assert.True(first.GetProperty("valid").GetBoolean());
        Assert.Equal("0.6", first.GetProperty("spec").GetString());
        Assert.Equal("helloworld", first.GetProperty("name").GetString());
        Assert.Equal("source", first.GetProperty("kind").GetString());
        Assert.Equal(
            ["Hello.World qemu x86_64", "Hello.World qemu arm64"],
            first.GetProperty("targets").EnumerateArray().Select(t => $"{t.GetProperty("name").GetString()} {t.GetProperty("platform").GetString()} {t.GetProperty("architecture").GetString()}"));
        Assert.False(second.GetProperty("valid").GetBoolean());
        var error = second.GetProperty("errors")[0];
        Assert.Equal((5, "targets[1].architecture"), (error.GetProperty("line").GetInt32(), error.GetProperty("field").GetString()));
        Assert.True(error.GetProperty("column").GetInt32() >= 1);
        Assert.Contains("architecture", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_RuntimeOnly_ReportsFullyQualifiedRuntime()
    {
        using var apps = new TempApps();
        var app = apps.Add("web", "spec: v0.6\nruntime: nginx:1.25\nrootfs: ./rootfs\n");

        var run = CliRun.Of("kraftfile", "check", "--json", app);

        Assert.Equal(0, run.ExitCode);
        var only = JsonDocument.Parse(run.Stdout).RootElement[0];
        Assert.Equal(("runtime", "unikraft.org/nginx:1.25", "web"), (only.GetProperty("kind").GetString(), only.GetProperty("runtime").GetString(), only.GetProperty("name").GetString()));
    }

    [Fact]
    public void Check_Text_PrintsCompilerStyleLines()
    {
        using var apps = new TempApps();
        var bad = apps.Add("bad", Broken);

        var run = CliRun.Of("kraftfile", "check", bad);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{Path.Combine(bad, "Kraftfile")}:5:5: error: targets[1].architecture: ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_MissingPath_IsAnInvalidInputNamingThePath()
    {
        using var apps = new TempApps();
        var missing = apps.PathOf("nowhere");

        var run = CliRun.Of("kraftfile", "check", missing);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{missing}:1:1: error: no such file or directory", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kraftfile", "check")]
    [InlineData("kraftfile", "check", "--bogus", ".")]
    [InlineData("frobnicate")]
    [InlineData]
    public void Run_UsageError_ExitsWithTwo(params string[] args)
    {
        var run = CliRun.Of(args);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("farm: ", run.Stderr, StringComparison.Ordinal);
    }
}
