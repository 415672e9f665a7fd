namespace Farm.Action.Tests;

/// <summary>The inputs as a runner passes them (<c>INPUT_*</c>, dashes kept), and an input that makes no sense named in its error.</summary>
public sealed class ActionInputsTests : IDisposable
{
    private readonly string _workspace = Directory.CreateTempSubdirectory("action-inputs-").FullName;

    public ActionInputsTests()
    {
        Directory.CreateDirectory(Path.Combine(_workspace, "app"));
        File.WriteAllText(Path.Combine(_workspace, "app", "Kraftfile"), "spec: v0.6\n");
    }

    public void Dispose() => Directory.Delete(_workspace, recursive: true);

    private (ActionInputs? Inputs, IReadOnlyList<InputProblem> Problems) Parse(params (string Name, string Value)[] variables)
    {
        var environment = variables.ToDictionary(v => v.Name, v => v.Value);
        environment["GITHUB_WORKSPACE"] = _workspace;
        return ActionInputs.Parse(name => environment.GetValueOrDefault(name));
    }

    [Fact]
    public void RunnerStyleVariables_DashesKept_AreRead()
    {
        var (inputs, problems) = Parse(("INPUT_WORKDIR", "app"), ("INPUT_TARGETS", "qemu/x86_64, fc/x86_64"), ("INPUT_SIGN-KEY", "PEM"), ("INPUT_CACHE-REDIS", "127.0.0.1:6379"), ("INPUT_SMOKE", "true"), ("INPUT_IMAGE", "oci:out:app"));

        Assert.Empty(problems);
        Assert.Equal(Path.Combine(_workspace, "app", "Kraftfile"), inputs!.Kraftfile);
        Assert.Equal(["qemu/x86_64", "fc/x86_64"], inputs.Targets);
        Assert.Equal("PEM", inputs.SignKey);
        Assert.Equal("127.0.0.1:6379", inputs.CacheRedis);
        Assert.True(inputs.Smoke);
        Assert.False(inputs.Remote);
    }

    [Fact]
    public void Defaults_KraftfileInTheWorkspace_SmokeOn_NoPush()
    {
        File.WriteAllText(Path.Combine(_workspace, "Kraftfile"), "spec: v0.6\n");

        var (inputs, problems) = Parse();

        Assert.Empty(problems);
        Assert.Equal(Path.Combine(_workspace, "Kraftfile"), inputs!.Kraftfile);
        Assert.True(inputs.Smoke);
        Assert.False(inputs.Push);
        Assert.Null(inputs.Image);
    }

    [Fact]
    public void InputsThatMakeNoSense_EachNamedWithWhy()
    {
        var (inputs, problems) = Parse(
            ("INPUT_WORKDIR", "app"),
            ("INPUT_KRAFTFILE", "missing/Kraftfile"),
            ("INPUT_TARGETS", "qemu/x86_64,qemu/sparc,x!y,fc/"),
            ("INPUT_PUSH", "yes"),
            ("INPUT_IMAGE", "no-registry"),
            ("INPUT_REGISTRY-USERNAME", "me"),
            ("INPUT_FARM-URL", "ftp://farm"),
            ("INPUT_SMOKE", "no"));

        Assert.Null(inputs);
        var byInput = problems.ToLookup(p => p.Input);
        Assert.Contains("missing/Kraftfile: no such file", Assert.Single(byInput["kraftfile"]).Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_workspace, "app", "missing", "Kraftfile"), byInput["kraftfile"].Single().File);
        Assert.Contains("'qemu/sparc' is not a target", byInput["targets"].First().Message, StringComparison.Ordinal);
        Assert.Equal(3, byInput["targets"].Count());
        Assert.Equal("'yes' is not true or false", Assert.Single(byInput["push"]).Message);
        Assert.Contains("name the registry", Assert.Single(byInput["image"]).Message, StringComparison.Ordinal);
        Assert.Single(byInput["registry-password"]);
        Assert.Contains("not an http(s) URL", Assert.Single(byInput["farm-url"]).Message, StringComparison.Ordinal);
        Assert.Equal("'no' is not true or false", Assert.Single(byInput["smoke"]).Message);
    }

    [Fact]
    public void PushWithoutARegistryImage_AndRemoteWithoutAnImage_AreErrors()
    {
        var (_, push) = Parse(("INPUT_WORKDIR", "app"), ("INPUT_PUSH", "true"), ("INPUT_IMAGE", "oci:out:app"));
        var (_, remote) = Parse(("INPUT_WORKDIR", "app"), ("INPUT_FARM-URL", "https://farm.example"));

        Assert.Equal("push", Assert.Single(push).Input);
        Assert.Equal("image", Assert.Single(remote).Input);
    }
}
