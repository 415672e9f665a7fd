using System.Security.Cryptography;
using Farm.Cache.Keys;
using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Keys;

public sealed class CompilerIdentityTests
{
    [Fact]
    public void Of_Compiler_IsTheSha256OfItsExecutable()
    {
        using var temp = new TempDirectory();
        var compiler = CompilerScript.Write(temp, "cc", "one");

        var identity = CompilerIdentity.Of(compiler, temp.CreateDirectory("cache"));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(compiler))), identity);
    }

    [Fact]
    public void Of_CompilerOnPath_ResolvesLikeTheShell()
    {
        using var temp = new TempDirectory();
        var gcc = new FileInfo(CompilerIdentity.Resolve("gcc")!);
        var real = gcc.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? gcc.FullName;

        var identity = CompilerIdentity.Of("gcc", temp.Path);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(real))), identity);
    }

    [Fact]
    public void Of_ContentChangedAtTheSamePath_IdentityChanges()
    {
        using var temp = new TempDirectory();
        var cache = temp.CreateDirectory("cache");
        var compiler = CompilerScript.Write(temp, "cc", "one");
        var before = CompilerIdentity.Of(compiler, cache);

        CompilerScript.Write(temp, "cc", "two, a little longer");
        var after = CompilerIdentity.Of(compiler, cache);

        Assert.NotEqual(before, after);
    }

    [Fact]
    public void Of_SameContentAtAnotherPath_SameIdentity()
    {
        using var temp = new TempDirectory();
        var cache = temp.CreateDirectory("cache");

        Assert.Equal(
            CompilerIdentity.Of(CompilerScript.Write(temp, "x/cc", "same"), cache),
            CompilerIdentity.Of(CompilerScript.Write(temp, "y/cc", "same"), cache));
    }

    [Fact]
    public void Of_SecondCall_ReadsTheMemoInsteadOfHashing()
    {
        using var temp = new TempDirectory();
        var cache = temp.CreateDirectory("cache");
        var compiler = CompilerScript.Write(temp, "cc", "one");
        var identity = CompilerIdentity.Of(compiler, cache)!;
        var memo = Path.Combine(cache, "compilers.tsv");

        // Proof that the memo is what answers: a forged identity for the same path, size and mtime comes back.
        File.WriteAllText(memo, File.ReadAllText(memo).Replace(identity, new string('f', 64), StringComparison.Ordinal));

        Assert.Equal(new string('f', 64), CompilerIdentity.Of(compiler, cache));
    }

    [Fact]
    public void Of_MissingCompiler_IsNull()
    {
        using var temp = new TempDirectory();

        Assert.Null(CompilerIdentity.Of(temp.Combine("no-such-cc"), temp.Path));
        Assert.Null(CompilerIdentity.Of("farm-no-such-compiler", temp.Path));
    }
}
