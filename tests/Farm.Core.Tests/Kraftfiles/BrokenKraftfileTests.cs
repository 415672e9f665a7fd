using Farm.Core.Kraftfiles;

namespace Farm.Core.Tests.Kraftfiles;

/// <summary>Each kind of broken Kraftfile gives an error at the right line, naming the field and what is expected.</summary>
public sealed class BrokenKraftfileTests
{
    public static TheoryData<string, string, int, string, string> Cases() => new()
    {
        { "missing spec", "name: app\nunikraft: stable\ntargets: [qemu/x86_64]\n", 1, "spec", "missing 'spec'" },
        { "spec of the newer CLI", "spec: v0.7\nname: app\n", 1, "spec", "newer Unikraft CLI" },
        { "spec that is no version", "name: app\nspecification: latest\n", 2, "specification", "not a version" },
        { "long target without architecture", "spec: v0.6\nunikraft: stable\ntargets:\n  - qemu/x86_64\n  - name: second\n    platform: fc\n", 5, "targets[1].architecture", "architecture must be specified" },
        { "unknown architecture", "spec: v0.6\nunikraft: stable\ntargets:\n  - platform: qemu\n    architecture: aarch64\n", 5, "targets[0].architecture", "did you mean 'arm64'" },
        { "unknown platform", "spec: v0.6\nunikraft: stable\ntargets:\n- qemux/x86_64\n", 4, "targets[0].platform", "unknown platform 'qemux'" },
        { "short target without a slash", "spec: v0.6\nunikraft: stable\ntargets:\n- qemu\n", 4, "targets[0]", "PLATFORM/ARCHITECTURE" },
        { "library without a value", "spec: v0.6\nunikraft: stable\nlibraries:\n  musl: stable\n  lwip:\ntargets: [qemu/x86_64]\n", 5, "libraries.lwip", "needs a version" },
        { "kconfig list entry without a value", "spec: v0.6\nunikraft:\n  version: stable\n  kconfig:\n    - CONFIG_A=y\n    - CONFIG_X=\n", 6, "unikraft.kconfig[1]", "no value after '='" },
        { "kconfig map entry without a value", "spec: v0.6\nunikraft:\n  kconfig:\n    CONFIG_A: y\n    CONFIG_X:\n", 5, "unikraft.kconfig.CONFIG_X", "needs a value" },
        { "YAML syntax error", "spec: v0.6\nname: app\n  unikraft: stable\ntargets: [qemu/x86_64]\n", 3, "", "YAML syntax" },
        { "unclosed flow list", "spec: v0.6\nunikraft: stable\ntargets: [qemu/x86_64\nname: x\n", 3, "", "unclosed" },
        { "targets not a list", "spec: v0.6\nunikraft: stable\ntargets: qemu/x86_64\n", 3, "targets", "expected a list of targets" },
        { "runtime that is no image name", "spec: v0.6\nruntime: Base:latest\n", 2, "runtime", "not a valid image name" },
        { "boolean key in kconfig", "spec: v0.6\nunikraft:\n  kconfig:\n    y: 1\n", 4, "unikraft.kconfig.y", "quote it" },
        { "cmd with an unclosed quote", "spec: v0.6\ncmd: \"/bin/app 'unterminated\"\n", 2, "cmd", "unclosed" },
        { "env that is a number", "spec: v0.6\nenv: 5\n", 2, "env", "NAME=VALUE" },
        { "rootfs that is a list", "spec: v0.6\nrootfs:\n  - ./a\n", 3, "rootfs", "expected a path" },
        { "platform contradicting arch", "spec: v0.6\nunikraft: stable\ntargets:\n  - plat: qemu/x86_64\n    arch: arm64\n", 5, "targets[0].arch", "contradicts" },
        { "tab indentation", "spec: v0.6\nunikraft:\n\tversion: stable\n", 3, "", "YAML syntax" },
        { "library given as a list", "spec: v0.6\nunikraft: stable\nlibraries:\n  lwip:\n    - stable\n", 5, "libraries.lwip", "expected a version" },
        { "target name that is a map", "spec: v0.6\nunikraft: stable\ntargets:\n  - name: {a: b}\n    plat: qemu\n    arch: x86_64\n", 4, "targets[0].name", "expected the target's name" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_BrokenKraftfile_ReportsErrorAtLineWithField(string kind, string text, int line, string field, string message)
    {
        var result = new KraftfileParser().Parse(text, "Kraftfile", Path.GetTempPath());

        Assert.False(result.IsValid, kind);
        Assert.Null(result.Kraftfile);
        Assert.Contains(result.Errors, e => e.Line == line && e.Field == field && e.Message.Contains(message, StringComparison.Ordinal) && e.Column >= 1);
    }

    [Fact]
    public void Parse_UnknownTopLevelKey_WarnsWithSuggestionAndStaysValid()
    {
        var result = new KraftfileParser().Parse("spec: v0.6\nunikraft: stable\ntargts:\n  - qemu/x86_64\ntargets: [qemu/x86_64]\n", "Kraftfile", Path.GetTempPath());

        Assert.True(result.IsValid);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal((3, 1, "targts"), (warning.Line, warning.Column, warning.Field));
        Assert.Contains("did you mean 'targets'", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsEveryOneNotJustTheFirst()
    {
        var text = "spec: v0.6\nunikraft: stable\nlibraries:\n  lwip:\ntargets:\n  - qemu/x86_65\n  - xen\n";

        var result = new KraftfileParser().Parse(text, "Kraftfile", Path.GetTempPath());

        Assert.Equal(["libraries.lwip", "targets[0].architecture", "targets[1]"], result.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Format_Error_IsCompilerStyleWithFileLineColumnAndField()
    {
        var result = new KraftfileParser().Parse("spec: v0.6\nunikraft: stable\ntargets:\n  - qemu/sparc\n", "apps/x/Kraftfile", Path.GetTempPath());

        var line = Assert.Single(result.Errors).Format();

        Assert.StartsWith("apps/x/Kraftfile:4:5: error: targets[0].architecture: unknown architecture 'sparc'", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Spec04ArchitecturesAndPlatforms_WarnsThatTargetsReplacedThem()
    {
        var text = "specification: '0.4'\nunikraft: '0.4'\narchitectures:\n  x86_64: true\nplatforms:\n  kvm: true\n";

        var result = new KraftfileParser().Parse(text, "kraft.yaml", Path.GetTempPath());

        Assert.True(result.IsValid);
        var lines = result.Warnings.Select(w => w.Line).ToList();
        Assert.Equal(lines.Order(), lines);
        Assert.Equal([1, 1, 3, 5], lines);
        Assert.Contains(result.Warnings, w => w.Field == "architectures" && w.Message.Contains("list 'targets'", StringComparison.Ordinal));
    }
}
