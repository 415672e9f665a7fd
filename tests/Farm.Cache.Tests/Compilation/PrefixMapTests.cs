using Farm.Cache.Compilation;

namespace Farm.Cache.Tests.Compilation;

public sealed class PrefixMapTests
{
    [Fact]
    public void Parse_RootsAndNames_AreCompilerFlagsLongestRootLast()
    {
        // gcc applies the last matching -ffile-prefix-map: the longest root must come last to win, as in Normalise.
        var map = PrefixMap.Parse("/w/src=/farm/app:/w/src/lib/net=/farm/lib/net", "/w/build");

        Assert.Equal(
            ["-ffile-prefix-map=/w/src=/farm/app", "-ffile-prefix-map=/w/build=/farm/build", "-ffile-prefix-map=/w/src/lib/net=/farm/lib/net"],
            map.CompilerFlags());
    }

    [Fact]
    public void Parse_BaseDirectory_MapsEachAncestorOfTheWorkingDirectoryToItsRelativeName()
    {
        var map = PrefixMap.Parse(null, "/home/u/a/proj/build", "/home/u");

        Assert.Equal("../src/x.c ./x.o ../../../b/y.h /usr/include/stdio.h", map.Normalise("/home/u/a/proj/src/x.c /home/u/a/proj/build/x.o /home/u/b/y.h /usr/include/stdio.h"));
        Assert.DoesNotContain(map.Entries, e => e.Name == "/farm/build");
    }

    [Fact]
    public void Parse_BaseDirectory_TwoCopiesAtDifferentDepthsNormaliseAlike()
    {
        var one = PrefixMap.Parse(null, "/home/u/a/proj/build", "/home/u/");
        var two = PrefixMap.Parse(null, "/home/u/b/c/d/proj/build", "/home/u");

        Assert.Equal(one.Normalise("-I/home/u/a/proj/include /home/u/a/proj/src/x.c"), two.Normalise("-I/home/u/b/c/d/proj/include /home/u/b/c/d/proj/src/x.c"));
    }

    [Theory]
    [InlineData("/elsewhere")] // the working directory is not under it
    [InlineData("/home/user2")] // a name that merely starts the same way
    [InlineData("relative/path")]
    [InlineData("/")]
    public void Parse_BaseDirectoryNotAboveTheWorkingDirectory_AddsNothing(string baseDirectory)
    {
        var map = PrefixMap.Parse(null, "/home/user/proj/build", baseDirectory);

        Assert.Equal(new[] { ("/home/user/proj/build", "/farm/build") }, map.Entries);
    }

    [Fact]
    public void Parse_BaseDirectoryAndPrefixMap_ExplicitRootsStayAndTheLongestWins()
    {
        var map = PrefixMap.Parse("/home/u/a/proj/vendor/lib=/farm/lib/x", "/home/u/a/proj/build", "/home/u");

        Assert.Equal("/farm/lib/x/l.c ../src/m.c", map.Normalise("/home/u/a/proj/vendor/lib/l.c /home/u/a/proj/src/m.c"));
        Assert.Equal("-ffile-prefix-map=/home/u/a/proj/vendor/lib=/farm/lib/x", map.CompilerFlags().Last());
    }

    [Fact]
    public void Parse_WorkingDirectoryNotNamed_MapsItToFarmBuild() =>
        Assert.Equal("/farm/build/a.o", PrefixMap.Parse(null, "/w/build").Normalise("/w/build/a.o"));

    [Fact]
    public void Parse_WorkingDirectoryNamed_KeepsItsName()
    {
        var map = PrefixMap.Parse("/w/build/=/farm/out", "/w/build");

        Assert.Equal("/farm/out/a.o", map.Normalise("/w/build/a.o"));
        Assert.Single(map.Entries);
    }

    [Fact]
    public void Parse_MalformedPairs_AreIgnored() =>
        Assert.Single(PrefixMap.Parse("nonsense:=/x:/y=:/", "/w/build").Entries);

    [Fact]
    public void Normalise_LibraryInsideApp_MappedAsTheLibrary()
    {
        var map = PrefixMap.Parse("/w/app=/farm/app:/w/app/libs/net=/farm/lib", "/w/build");

        Assert.Equal("# 1 \"/farm/lib/net.c\" and /farm/app/main.c", map.Normalise("# 1 \"/w/app/libs/net/net.c\" and /w/app/main.c"));
    }

    [Fact]
    public void MarkThenDenormalise_InAnotherDirectory_GivesThatDirectorysPaths()
    {
        var here = PrefixMap.Parse("/w/one/src=/farm/app", "/w/one/build");
        var there = PrefixMap.Parse("/x/second/src=/farm/app", "/x/second/build");

        var marked = here.Mark("a.o: /w/one/src/a.c /w/one/build/config.h /usr/include/stdio.h\n");

        Assert.DoesNotContain("/w/one", marked, StringComparison.Ordinal);
        Assert.Equal("a.o: /x/second/src/a.c /x/second/build/config.h /usr/include/stdio.h\n", there.Denormalise(marked));
    }

    [Fact]
    public void Denormalise_PlainFixedName_IsLeftAlone()
    {
        // Only marked names are put back: text that happens to contain "/farm/app" is not rewritten.
        var map = PrefixMap.Parse("/w/src=/farm/app", "/w/build");

        Assert.Equal("see /farm/app/README", map.Denormalise("see /farm/app/README"));
    }
}
