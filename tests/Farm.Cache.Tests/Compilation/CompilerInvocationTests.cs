using Farm.Cache.Compilation;

namespace Farm.Cache.Tests.Compilation;

public sealed class CompilerInvocationTests
{
    [Fact]
    public void Parse_OneSourceWithC_IsCacheableWithOutputAndShapingArguments()
    {
        var invocation = CompilerInvocation.Parse("gcc", ["-O2", "-Iinclude", "-c", "src/a.c", "-o", "lib/a.o"]);

        Assert.True(invocation.IsCacheable, invocation.UncacheableReason);
        Assert.Equal("src/a.c", invocation.Source);
        Assert.Equal("lib/a.o", invocation.Output);
        Assert.Null(invocation.DependencyFile);
        Assert.Equal(["-O2", "-Iinclude", "-c"], invocation.ShapingArguments);
        Assert.Equal(["-O2", "-Iinclude", "-E", "src/a.c"], invocation.PreprocessArguments);
    }

    [Fact]
    public void Parse_NoOutput_ObjectNamedAfterTheSourceInTheWorkingDirectory() =>
        Assert.Equal("a.o", CompilerInvocation.Parse("gcc", ["-c", "src/a.c"]).Output);

    [Theory]
    [InlineData("-o", "-", "-o - (output to standard output)")]
    [InlineData("-MF", "-", "-MF - (dependencies to standard output)")]
    public void Parse_StandardOutputAsAFile_IsUncacheable(string option, string value, string reason) =>
        Assert.Equal(reason, CompilerInvocation.Parse("gcc", ["-MD", "-c", "a.c", option, value]).UncacheableReason);

    [Fact]
    public void Parse_JoinedOutput_IsTheOutput() =>
        Assert.Equal("lib/a.o", CompilerInvocation.Parse("gcc", ["-c", "a.c", "-olib/a.o"]).Output);

    [Theory]
    [InlineData("-I", "include")]
    [InlineData("-D", "A=1")]
    [InlineData("-include", "config.h")]
    [InlineData("-isystem", "sys")]
    [InlineData("-x", "c")]
    public void Parse_OptionWithSeparateValue_ValueIsNotTakenForTheSource(string option, string value)
    {
        var invocation = CompilerInvocation.Parse("gcc", [option, value, "-c", "a.c"]);

        Assert.Equal("a.c", invocation.Source);
        Assert.Equal([option, value, "-c"], invocation.ShapingArguments);
    }

    [Fact]
    public void Parse_MdWithMf_DependencyFileFromMfAndPathsLeftOutOfShaping()
    {
        var invocation = CompilerInvocation.Parse("gcc", ["-MD", "-MF", "deps/a.d", "-c", "a.c", "-o", "a.o"]);

        Assert.Equal("deps/a.d", invocation.DependencyFile);
        Assert.Equal(["-MD", "-c"], invocation.ShapingArguments);
        Assert.DoesNotContain("-MD", invocation.PreprocessArguments);
    }

    [Fact]
    public void Parse_JoinedMf_DependencyFileFromMf() =>
        Assert.Equal("deps/a.d", CompilerInvocation.Parse("gcc", ["-MMD", "-MFdeps/a.d", "-c", "a.c"]).DependencyFile);

    [Theory]
    [InlineData("-MD", "lib/a.o", "lib/a.d")]
    [InlineData("-MMD", "lib/a.o", "lib/a.d")]
    [InlineData("-MD", null, "a.d")]
    public void Parse_MdWithoutMf_DependencyFileBesideTheOutput(string option, string? output, string expected)
    {
        string[] arguments = output is null ? [option, "-c", "src/a.c"] : [option, "-c", "src/a.c", "-o", output];

        Assert.Equal(expected, CompilerInvocation.Parse("gcc", arguments).DependencyFile);
    }

    [Theory]
    [InlineData("-Wp,-MD,lib/.a.o.d", "-Wp,-MD")]
    [InlineData("-Wp,-MMD,lib/.a.o.d", "-Wp,-MMD")]
    public void Parse_WpMd_DependencyFileFromTheOptionAndPathLeftOutOfShaping(string option, string shaping)
    {
        // As Unikraft's build (and Linux's kbuild) ask for dependencies.
        var invocation = CompilerInvocation.Parse("gcc", [option, "-c", "a.c", "-o", "lib/a.o"]);

        Assert.True(invocation.IsCacheable, invocation.UncacheableReason);
        Assert.Equal("lib/.a.o.d", invocation.DependencyFile);
        Assert.Equal([shaping, "-c"], invocation.ShapingArguments);
        Assert.DoesNotContain(invocation.PreprocessArguments, a => a.StartsWith("-Wp", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_MtTarget_IsShaping() =>
        Assert.Equal(["-MD", "-MT", "obj", "-c"], CompilerInvocation.Parse("gcc", ["-MD", "-MT", "obj", "-c", "a.c"]).ShapingArguments);

    [Theory]
    [InlineData("a.c")]
    [InlineData("a.S")]
    [InlineData("a.s")]
    [InlineData("a.cc")]
    [InlineData("a.cpp")]
    public void Parse_SourceExtension_IsCacheable(string source) =>
        Assert.True(CompilerInvocation.Parse("gcc", ["-c", source]).IsCacheable);

    [Fact]
    public void Parse_PlainAssembly_IsAssemblyWithoutPreprocessor()
    {
        Assert.True(CompilerInvocation.Parse("gcc", ["-c", "a.s"]).IsAssemblyWithoutPreprocessor);
        Assert.False(CompilerInvocation.Parse("gcc", ["-c", "a.S"]).IsAssemblyWithoutPreprocessor);
    }

    [Theory]
    [InlineData("-E", "-E (not a compile to an object)")]
    [InlineData("-S", "-S (not a compile to an object)")]
    [InlineData("-M", "-M (not a compile to an object)")]
    [InlineData("-MM", "-MM (not a compile to an object)")]
    [InlineData("@args.rsp", "@file arguments")]
    [InlineData("-save-temps", "-save-temps is not cacheable")]
    [InlineData("--coverage", "--coverage is not cacheable")]
    [InlineData("-Wp,-M", "-Wp,-M (a dependency option farm-cc does not know)")]
    [InlineData("b.c", "more than one source file")]
    public void Parse_UncacheableOption_NamesTheReason(string option, string reason)
    {
        var invocation = CompilerInvocation.Parse("gcc", ["-c", "a.c", option]);

        Assert.False(invocation.IsCacheable);
        Assert.Equal(reason, invocation.UncacheableReason);
    }

    [Fact]
    public void Parse_NoC_IsALinkOrAPreprocess() =>
        Assert.Equal("no -c (a link or a preprocess)", CompilerInvocation.Parse("gcc", ["a.c", "-o", "a"]).UncacheableReason);

    [Fact]
    public void Parse_NoSource_IsUncacheable() =>
        Assert.Equal("no source file", CompilerInvocation.Parse("gcc", ["-c", "a.o"]).UncacheableReason);

    [Theory]
    [InlineData("-o")]
    [InlineData("-MF")]
    public void Parse_OptionWithoutItsValue_IsUncacheable(string option) =>
        Assert.False(CompilerInvocation.Parse("gcc", ["-c", "a.c", option]).IsCacheable);
}
