using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.State.Sources;
using Farm.Worker.Builders;
using Farm.Worker.Targets;

namespace Farm.Worker.Tests.Targets;

/// <summary>
/// The target key decides whether a tested kernel is reused without building or booting: each input that changes the
/// kernel or its smoke test changes the key, and what changes neither (where the app lives, the compiler's path, the
/// queue, git metadata) does not.
/// </summary>
public sealed class TargetKeyTests : IDisposable
{
    private const string Base = "spec: v0.6\nname: hello\nunikraft: ../core\ntargets:\n- qemu/x86_64\n";
    private readonly TempDirectory _temp = new();

    private static readonly TargetJob Job = new("hello", "qemu", "x86_64", "qemu-x86_64", "hello_qemu-x86_64", [new("CONFIG_A", "y")], new WorkerRequirements("x86_64", "qemu", false));
    private static readonly Toolchain Gcc = new("x86_64", "x86_64-linux-gnu-", "/usr/bin/x86_64-linux-gnu-gcc");

    public void Dispose() => _temp.Dispose();

    public TargetKeyTests() => Directory.CreateDirectory(_temp.Combine("app"));

    /// <summary>
    /// The Kraftfile is kept out of the app directory here so that each field is seen on its own (in use it is in the
    /// app directory, whose whole content is in the key as well).
    /// </summary>
    private Kraftfile Read(string text, string directory = "app")
    {
        var path = _temp.Combine("kraftfiles", directory, "Kraftfile");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        var parsed = new KraftfileParser().Load(path);
        Assert.True(parsed.IsValid, string.Join("; ", parsed.Diagnostics.Select(d => d.Format())));
        return parsed.Kraftfile!;
    }

    private ResolvedSources Sources(string coreCommit = "c0ffee", string? appDirectory = null, params ResolvedComponent[] libraries)
    {
        var app = appDirectory ?? _temp.Combine("app");
        Directory.CreateDirectory(app);
        return new ResolvedSources(new ResolvedComponent("unikraft", "/trees/core", "https://example.invalid/core.git", coreCommit, "tree-" + coreCommit), new ResolvedComponent("app", app, app), libraries);
    }

    private string Key(string? kraftfile = null, TargetJob? job = null, ResolvedSources? sources = null, Toolchain? toolchain = null, string compiler = "gcc-13-content", string builder = "make", byte[]? initrd = null) =>
        TargetKey.Compute(Read(kraftfile ?? Base), job ?? Job, sources ?? Sources(), toolchain ?? Gcc, compiler, builder, initrd);

    [Fact]
    public void Key_SameInputs_SameKey() => Assert.Equal(Key(), Key());

    [Fact]
    public void Key_Builder_ChangesIt() => Assert.NotEqual(Key(), Key(builder: "kraft"));

    [Fact]
    public void Key_TargetName_ChangesIt() => Assert.NotEqual(Key(), Key(job: Job with { Target = "other" }));

    [Fact]
    public void Key_Platform_ChangesIt() => Assert.NotEqual(Key(), Key(job: Job with { Platform = "fc" }));

    [Fact]
    public void Key_Architecture_ChangesIt() => Assert.NotEqual(Key(), Key(job: Job with { Architecture = "arm64" }));

    [Fact]
    public void Key_KConfigValue_ChangesIt() => Assert.NotEqual(Key(), Key(job: Job with { KConfig = [new("CONFIG_A", "n")] }));

    [Fact]
    public void Key_KConfigSymbolAdded_ChangesIt() => Assert.NotEqual(Key(), Key(job: Job with { KConfig = [new("CONFIG_A", "y"), new("CONFIG_B", "y")] }));

    [Fact]
    public void Key_CompilerContent_ChangesIt() => Assert.NotEqual(Key(), Key(compiler: "gcc-14-content"));

    [Fact]
    public void Key_CrossCompilePrefix_ChangesIt() => Assert.NotEqual(Key(), Key(toolchain: Gcc with { CrossCompile = "x86_64-elf-" }));

    [Fact]
    public void Key_SmokeExpectation_ChangesIt() => Assert.NotEqual(Key(), Key(Base + "x-farm:\n  smoke:\n    expect: \"Hello\"\n"));

    [Fact]
    public void Key_SmokeTimeout_ChangesIt() =>
        Assert.NotEqual(Key(Base + "x-farm:\n  smoke:\n    timeout: 10s\n"), Key(Base + "x-farm:\n  smoke:\n    timeout: 20s\n"));

    [Fact]
    public void Key_SmokeExitStatus_ChangesIt() =>
        Assert.NotEqual(Key(Base + "x-farm:\n  smoke:\n    exit: 0\n"), Key(Base + "x-farm:\n  smoke:\n    exit: 3\n"));

    [Fact]
    public void Key_SmokeHttpProbe_ChangesIt() =>
        Assert.NotEqual(Key(), Key(Base + "x-farm:\n  smoke:\n    http:\n      port: 8080\n      expect: ok\n"));

    [Fact]
    public void Key_Cmd_ChangesIt() => Assert.NotEqual(Key(Base + "cmd: [\"-a\"]\n"), Key(Base + "cmd: [\"-b\"]\n"));

    [Fact]
    public void Key_Initrd_ChangesIt()
    {
        Assert.NotEqual(Key(), Key(initrd: [1, 2, 3]));
        Assert.NotEqual(Key(initrd: [1, 2, 3]), Key(initrd: [1, 2, 4]));
    }

    [Fact]
    public void Key_CoreCommit_ChangesIt() => Assert.NotEqual(Key(), Key(sources: Sources(coreCommit: "decade")));

    [Fact]
    public void Key_LibraryAdded_ChangesIt() =>
        Assert.NotEqual(Key(), Key(sources: Sources(libraries: new ResolvedComponent("lib-musl", "/trees/musl", "https://example.invalid/musl.git", "abc", "tree-abc"))));

    [Fact]
    public void Key_AppFileContent_ChangesIt()
    {
        var before = Key();
        File.WriteAllText(_temp.Combine("app", "main.c"), "int main(void) { return 1; }\n");
        var added = Key();
        File.WriteAllText(_temp.Combine("app", "main.c"), "int main(void) { return 2; }\n");

        Assert.NotEqual(before, added);
        Assert.NotEqual(added, Key());
    }

    [Fact]
    public void Key_AppFileMadeExecutable_ChangesIt()
    {
        File.WriteAllText(_temp.Combine("app", "run.sh"), "echo hi\n");
        var before = Key();
        File.SetUnixFileMode(_temp.Combine("app", "run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.NotEqual(before, Key());
    }

    [Fact]
    public void Key_AppSymlinkTarget_ChangesIt()
    {
        File.CreateSymbolicLink(_temp.Combine("app", "link"), "a");
        var before = Key();
        File.Delete(_temp.Combine("app", "link"));
        File.CreateSymbolicLink(_temp.Combine("app", "link"), "b");

        Assert.NotEqual(before, Key());
    }

    [Fact]
    public void Key_AppInAnotherDirectoryWithTheSameContent_SameKey()
    {
        var here = Key();
        var elsewhere = TargetKey.Compute(Read(Base, "moved/app"), Job, Sources(appDirectory: _temp.Combine("moved", "app")), Gcc, "gcc-13-content", "make");

        Assert.Equal(here, elsewhere);
    }

    [Fact]
    public void Key_GitAndUnikraftWorkDirectories_DoNotChangeIt()
    {
        var before = Key();
        Directory.CreateDirectory(_temp.Combine("app", ".git"));
        File.WriteAllText(_temp.Combine("app", ".git", "HEAD"), "ref: refs/heads/other\n");
        Directory.CreateDirectory(_temp.Combine("app", ".unikraft", "build"));
        File.WriteAllText(_temp.Combine("app", ".unikraft", "build", "x.o"), "object");

        Assert.Equal(before, Key());
    }

    [Fact]
    public void Key_CompilerPathQueueAndRequirements_DoNotChangeIt() =>
        Assert.Equal(Key(), Key(job: Job with { Queue = "elsewhere", Requires = new WorkerRequirements("x86_64", "qemu", true) }, toolchain: Gcc with { CompilerPath = "/opt/gcc/bin/gcc" }));
}
