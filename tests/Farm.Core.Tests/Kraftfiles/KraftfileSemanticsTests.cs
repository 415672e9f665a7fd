using Farm.Core.Kraftfiles;

namespace Farm.Core.Tests.Kraftfiles;

/// <summary>kraft's reading of each field: short and long forms, aliases, defaults, YAML 1.1 scalars.</summary>
public sealed class KraftfileSemanticsTests
{
    private static Kraftfile Read(string text, string directory = "/tmp/myapp")
    {
        var result = new KraftfileParser().Parse(text, "Kraftfile", directory);
        Assert.True(result.IsValid, string.Join("\n", result.Diagnostics.Select(d => d.Format())));
        return result.Kraftfile!;
    }

    [Theory]
    [InlineData("spec: 0.5", "0.5")]
    [InlineData("spec: '0.5'", "0.5")]
    [InlineData("spec: v0.6", "0.6")]
    [InlineData("specification: v0.4", "0.4")]
    [InlineData("spec: 0.6.0", "0.6")]
    [InlineData("specification: '0.6'\nspec: v0.4", "0.6")]
    public void Parse_SpecForms_GiveVersionWithoutV(string spec, string expected) =>
        Assert.Equal(expected, Read(spec + "\nruntime: base\n").Spec);

    [Theory]
    [InlineData("name: My App.v2", "myappv2")]
    [InlineData("name: __Hello-World", "hello-world")]
    [InlineData("name: nginx", "nginx")]
    public void Parse_Name_IsNormalisedAsKraft(string line, string expected) =>
        Assert.Equal(expected, Read("spec: v0.6\n" + line + "\n").Name);

    [Fact]
    public void Parse_NoName_TakesTheDirectoryName() =>
        Assert.Equal("myapp-", Read("spec: v0.6\n", "/srv/apps/My.App-").Name);

    [Theory]
    [InlineData("base:latest", "unikraft.org/base:latest")]
    [InlineData("base", "unikraft.org/base:latest")]
    [InlineData("nginx:1.25", "unikraft.org/nginx:1.25")]
    [InlineData("unikraft.org/python:3.12", "unikraft.org/python:3.12")]
    [InlineData("oci://ghcr.io/org/app:v1", "ghcr.io/org/app:v1")]
    [InlineData("localhost:5000/base", "localhost:5000/base:latest")]
    public void Parse_RuntimeForms_ResolveToFullyQualifiedReference(string runtime, string expected)
    {
        var k = Read($"spec: v0.6\nruntime: {runtime}\n");

        Assert.Equal(KraftfileKind.Runtime, k.Kind);
        Assert.Equal(expected, k.Runtime!.Reference);
    }

    [Fact]
    public void Parse_NeitherUnikraftNorRuntime_DefaultsToBaseRuntime()
    {
        var k = Read("spec: v0.6\nrootfs: ./Dockerfile\ncmd: [\"/app\"]\n");

        Assert.Equal((KraftfileKind.Runtime, "unikraft.org/base:latest"), (k.Kind, k.Runtime!.Reference));
    }

    [Fact]
    public void Parse_RuntimeMap_UsesSourceAndVersion() =>
        Assert.Equal("unikraft.org/redis:7.2", Read("spec: v0.6\nruntime:\n  source: unikraft.org/redis\n  version: '7.2'\n").Runtime!.Reference);

    [Fact]
    public void Parse_KernelRuntime_KeepsThePath()
    {
        var runtime = Read("spec: v0.6\nruntime: kernel://./build/app_qemu-x86_64\n").Runtime!;

        Assert.True(runtime.IsKernelFile);
        Assert.Equal("./build/app_qemu-x86_64", runtime.Reference);
    }

    [Theory]
    [InlineData("kvm/x86_64", "qemu", "x86_64")]
    [InlineData("firecracker/x86_64", "fc", "x86_64")]
    [InlineData("qemu/amd64", "qemu", "x86_64")]
    [InlineData("xen/arm64", "xen", "arm64")]
    [InlineData("linuxu/arm", "linuxu", "arm")]
    public void Parse_TargetAliases_AreCanonical(string target, string platform, string architecture)
    {
        var t = Assert.Single(Read($"spec: v0.6\nname: app\nunikraft: stable\ntargets: [{target}]\n").Targets);

        Assert.Equal(("app", platform, architecture), (t.Name, t.Platform, t.Architecture));
    }

    [Fact]
    public void Parse_LongTargetForms_ReadEveryKeySpelling()
    {
        var k = Read("""
            spec: v0.6
            name: App.One
            unikraft: stable
            targets:
              - name: first
                plat: kvm
                arch: x86_64
              - platform: fc/x86_64
                kconfig:
                  CONFIG_X: y
              - architecture: arm64
                platform: qemu
            """);

        Assert.Equal(["first:qemu/x86_64", "App.One:fc/x86_64", "App.One:qemu/arm64"], k.Targets.Select(t => $"{t.Name}:{t.Platform}/{t.Architecture}"));
        Assert.Equal("CONFIG_X=y", Assert.Single(k.Targets[1].KConfig.Entries).ToString());
    }

    [Theory]
    [InlineData("y", "y")]
    [InlineData("yes", "y")]
    [InlineData("on", "y")]
    [InlineData("true", "y")]
    [InlineData("n", "n")]
    [InlineData("off", "n")]
    [InlineData("'y'", "y")]
    [InlineData("0x400000000", "17179869184")]
    [InlineData("'0x400000000'", "0x400000000")]
    [InlineData("0755", "493")]
    [InlineData("1_000", "1000")]
    [InlineData("64", "64")]
    [InlineData("\"initrd\"", "initrd")]
    public void Parse_KconfigMapValues_FollowYaml11(string written, string expected)
    {
        var k = Read($"spec: v0.6\nunikraft:\n  kconfig:\n    CONFIG_X: {written}\ntargets: [qemu/x86_64]\n");

        Assert.Equal(expected, Assert.Single(k.Unikraft!.KConfig.Entries).Value);
    }

    [Theory]
    [InlineData("stable", null, "stable")]
    [InlineData("https://github.com/unikraft/lib-lwip.git", "https://github.com/unikraft/lib-lwip.git", null)]
    [InlineData("https://github.com/unikraft/lib-lwip.git?branch=staging", "https://github.com/unikraft/lib-lwip.git?branch=staging", "staging")]
    [InlineData("https://example.org/lib-lwip.git@v0.16.1", "https://example.org/lib-lwip.git", "v0.16.1")]
    [InlineData("0.16.1", null, "0.16.1")]
    public void Parse_ComponentShortStrings_SplitIntoSourceAndVersion(string written, string? source, string? version)
    {
        var lib = Assert.Single(Read($"spec: v0.6\nunikraft: stable\nlibraries:\n  lwip: {written}\ntargets: [qemu/x86_64]\n").Libraries);

        Assert.Equal(("lwip", source, version), (lib.Name, lib.Component.Source, lib.Component.Version));
    }

    [Fact]
    public void Parse_ComponentShortStringNamingALocalDirectory_IsTheSource()
    {
        var dir = Directory.CreateTempSubdirectory("kraftfile-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "core"));

            var k = Read("spec: v0.6\nunikraft: ./core\ntargets: [qemu/x86_64]\n", dir.FullName);

            Assert.Equal(("./core", (string?)null), (k.Unikraft!.Source, k.Unikraft.Version));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Parse_CmdEnvLabelsVolumes_AllForms()
    {
        var k = Read("""
            spec: v0.6
            cmd: /bin/server -c "/etc/my app.conf"
            env:
              - A=1
              - B=x=y
            labels:
              org.example.team: core
            volumes:
              - ./html:/srv/html
              - source: ./data
                destination: /data
                readonly: true
            x-farm:
              smoke: {}
            x-custom: anything
            """);

        Assert.Equal(["/bin/server", "-c", "/etc/my app.conf"], k.Cmd);
        Assert.Equal(["A=1", "B=x=y"], k.Env.Select(e => e.ToString()));
        Assert.Equal("core", k.Labels.Single().Value);
        Assert.Equal([("./html", "/srv/html", false), ("./data", "/data", true)], k.Volumes.Select(v => (v.Source, v.Destination, v.ReadOnly)));
        Assert.True(k.Farm.IsPresent);
        Assert.True(k.Farm.Settings.ContainsKey("smoke"));
        Assert.True(k.Extensions.ContainsKey("x-custom"));
        Assert.False(k.Extensions.ContainsKey("x-farm"));
    }

    [Fact]
    public void Parse_EnvAsMap_KeepsOrderAndStringifiesValues() =>
        Assert.Equal(["PORT=8080", "DEBUG=true"], Read("spec: v0.6\nenv:\n  PORT: 8080\n  DEBUG: true\n").Env.Select(e => e.ToString()));

    [Fact]
    public void Parse_MergeKeysAndAnchors_AreApplied()
    {
        var k = Read("""
            spec: v0.6
            unikraft: stable
            x-base: &base
              platform: qemu
              architecture: x86_64
            targets:
              - <<: *base
                name: a
              - <<: *base
                name: b
                architecture: arm64
            """);

        Assert.Equal(["a:qemu/x86_64", "b:qemu/arm64"], k.Targets.Select(t => $"{t.Name}:{t.Platform}/{t.Architecture}"));
    }

    [Fact]
    public void Parse_SourceWithoutTargets_IsValidWithWarning()
    {
        var result = new KraftfileParser().Parse("spec: v0.6\nunikraft: stable\n", "Kraftfile", "/tmp/x");

        Assert.True(result.IsValid);
        Assert.Contains(result.Warnings, w => w.Field == "targets" && w.Message.Contains("no targets", StringComparison.Ordinal));
    }
}
