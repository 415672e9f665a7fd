using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.Worker.Builders;
using Farm.Worker.Capabilities;
using Farm.Worker.Pipeline;
using Farm.State.Sources;

namespace Farm.Worker.Tests.Builders;

/// <summary>
/// Reasons that name the cause: the line of a failed make chosen by what failed, build tools found before a build,
/// and a core that lacks the target's platform refused before make drops the switch silently.
/// </summary>
public sealed class FailureReasonTests
{
    private static string? Choose(params string[] lines)
    {
        var failure = new FailureLine();
        foreach (var line in lines)
        {
            failure.Observe(line);
        }

        return failure.Reason;
    }

    [Fact]
    public void FailureLine_MissingProgram_BeatsMakesErrorLinesAndNamesThePackage()
    {
        // What real Unikraft 0.17 prints on a host without flex.
        var reason = Choose(
            "/usr/bin/gcc -ldl -I. -c fixdep.c -o kconfig/fixdep.o",
            "/bin/sh: 1: lex: not found",
            "make[2]: *** [Makefile.rules:70: /b/kconfig/lexer.lex.c] Error 127",
            "make: *** [Makefile:1170: sub-make] Error 2");

        Assert.Equal("/bin/sh: 1: lex: not found (a build tool: Debian package flex)", reason);
    }

    [Fact]
    public void FailureLine_CompilerError_BeatsLinesThatMerelyContainError()
    {
        var reason = Choose(
            "  CC      libukdebug/error.o",
            "gcc -Werror -Wall -c errno.c",
            "/app/main.c:7:5: error: 'undeclared' undeclared (first use in this function)",
            "make[3]: *** [/uk/support/build/Makefile.rules:1: /b/app/main.o] Error 1");

        Assert.Equal("/app/main.c:7:5: error: 'undeclared' undeclared (first use in this function)", reason);
    }

    [Fact]
    public void FailureLine_MakefileErrorStop_IsTheCause()
    {
        var reason = Choose(
            "Makefile:512: *** Unsupported architecture: sparc.  Stop.",
            "make: *** [Makefile:1170: sub-make] Error 2");

        Assert.Equal("Makefile:512: *** Unsupported architecture: sparc.  Stop.", reason);
    }

    [Fact]
    public void FailureLine_OnlyMakesRuleError_TakesTheFirst()
    {
        Assert.Equal(
            "make[1]: *** [Makefile:885: conf] Error 2",
            Choose("building", "make[1]: *** [Makefile:885: conf] Error 2", "make: *** [Makefile:1170: sub-make] Error 2"));
        Assert.Null(Choose("all fine", "-Werror=implicit"));
    }

    [Fact]
    public void BuildTools_MissingFlexAndBison_AreNamedWithTheirPackages()
    {
        var missing = BuildTools.Missing(command => command is "flex" or "bison" ? null : "/usr/bin/" + command);

        Assert.Equal(["bison", "flex"], missing.Keys);
        Assert.Equal("build tools missing: bison is not installed (Debian: bison); flex is not installed (Debian: flex)", BuildTools.Describe(missing));
    }

    [Fact]
    public async Task Pipeline_HostWithoutFlex_RefusesEveryQueueAndFailsNamingTheTool()
    {
        using var temp = new TempDirectory();
        var kraftfile = new KraftfileParser().Load(Path.Combine(TestPaths.Examples, "helloworld")).Kraftfile!;
        var job = Planner.Plan(kraftfile).Plan!.Jobs.First(j => j.Architecture == "x86_64");
        var missing = BuildTools.Missing(command => command == "flex" ? null : "/usr/bin/" + command);
        var capabilities = new HostCapabilities(
            "x86_64",
            new Dictionary<string, Toolchain> { ["x86_64"] = new("x86_64", string.Empty, "/usr/bin/gcc") },
            new Dictionary<string, string>(),
            new HypervisorProbe("kvm", "/dev/kvm", "absent"),
            [],
            [],
            []) { MissingBuildTools = missing };
        var pipeline = new TargetPipeline(new SourceResolver(new GitCheckoutCache(temp.Path)), new UnikraftMakeBuilder(), capabilities, []);

        var result = await pipeline.RunAsync(kraftfile, job, new TargetPipelineOptions(temp.Combine("out")) { BuildDirectory = temp.Combine("build") }, _ => { }, TestContext.Current.CancellationToken);

        Assert.Equal("build tools missing: flex is not installed (Debian: flex)", result.FailureReason);
        Assert.Equal("build tools missing: flex is not installed (Debian: flex)", capabilities.WhyNotServed("qemu", "x86_64"));
        Assert.Empty(capabilities.CompileOnly().Queues);
        Assert.False(Directory.Exists(temp.Combine("build")));
    }

    [Fact]
    public void CoreOffer_CoreWithoutLinuxu_SaysWhichVersionLacksIt()
    {
        using var temp = new TempDirectory();
        var core = UnikraftLikeCore(temp.Path, "0", "17", "0");

        Assert.Equal("this Unikraft version (0.17.0) has no linuxu platform (plat/linuxu; it has: kvm, xen)", CoreOffer.WhyNot(core, "linuxu", "x86_64"));
        Assert.Null(CoreOffer.WhyNot(core, "qemu", "x86_64"));
        Assert.Null(CoreOffer.WhyNot(core, "fc", "x86_64"));
        Assert.Null(CoreOffer.WhyNot(core, "xen", "x86_64"));
        Assert.Equal("this Unikraft version (0.17.0) has no arm64 architecture (arch/arm/arm64)", CoreOffer.WhyNot(core, "qemu", "arm64"));
    }

    [Fact]
    public void CoreOffer_FixtureCore_OffersWhatItHas()
    {
        Assert.Null(CoreOffer.WhyNot(TestPaths.FixtureCore, "linuxu", "x86_64"));
        Assert.Null(CoreOffer.WhyNot(TestPaths.FixtureCore, "qemu", "arm64"));
    }

    [Fact]
    public async Task Pipeline_CoreWithoutThePlatform_FailsBeforeMakeWithTheVersion()
    {
        using var temp = new TempDirectory();
        UnikraftLikeCore(temp.Combine("unikraft"), "0", "17", "1");
        Directory.CreateDirectory(temp.Combine("app"));
        File.WriteAllText(temp.Combine("app", "Kraftfile"), "spec: v0.6\nname: hello\nunikraft:\n  source: ../unikraft\ntargets:\n  - linuxu/x86_64\n");
        var kraftfile = new KraftfileParser().Load(temp.Combine("app")).Kraftfile!;
        var job = Planner.Plan(kraftfile).Plan!.Jobs.Single();
        var capabilities = new HostCapabilities(
            "x86_64",
            new Dictionary<string, Toolchain> { ["x86_64"] = new("x86_64", string.Empty, "/usr/bin/gcc") },
            new Dictionary<string, string>(),
            new HypervisorProbe("kvm", "/dev/kvm", "absent"),
            [],
            [],
            []);
        var pipeline = new TargetPipeline(new SourceResolver(new GitCheckoutCache(temp.Combine("cache"))), new UnikraftMakeBuilder(), capabilities, []);

        var result = await pipeline.RunAsync(kraftfile, job, new TargetPipelineOptions(temp.Combine("out")) { BuildDirectory = temp.Combine("build") }, _ => { }, TestContext.Current.CancellationToken);

        Assert.Equal("failed", result.Status);
        Assert.StartsWith("this Unikraft version (0.17.1) has no linuxu platform", result.FailureReason, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("build")));
    }

    /// <summary>The layout of Unikraft 0.17's tree that matters here: version.mk, plat/{common,kvm,xen}, arch/x86/x86_64.</summary>
    private static string UnikraftLikeCore(string root, string major, string minor, string patch)
    {
        foreach (var directory in new[] { "plat/common", "plat/kvm", "plat/xen", "arch/x86/x86_64", "arch/arm/arm" })
        {
            Directory.CreateDirectory(Path.Combine(root, directory));
        }

        File.WriteAllText(Path.Combine(root, "version.mk"), $"UK_VERSION = {major}\nUK_SUBVERSION = {minor}\nUK_EXTRAVERSION = {patch}\nUK_CODENAME = Calypso\n");
        return root;
    }
}
