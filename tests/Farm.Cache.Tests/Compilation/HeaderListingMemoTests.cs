using Farm.Cache.Compilation;
using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Compilation;

/// <summary>
/// The resident helper's kept listings of include directories: used again only while no directory of the tree changed,
/// so a header created anywhere in the tree (the shadowing header direct mode's key exists for) is seen at once.
/// </summary>
public sealed class HeaderListingMemoTests
{
    // Kept whatever the directories' age: these trees are made a moment before they are listed.
    private static readonly TimeSpan KeepAll = TimeSpan.FromDays(-1);

    private static TempDirectory Tree()
    {
        var temp = new TempDirectory();
        temp.Write("include/a.h", "");
        temp.Write("include/sys/b.h", "");
        temp.Write("include/sys/deep/c.h", "");
        temp.Write("include/notes.txt", "");
        // Directory times come from a clock that ticks in milliseconds: the change each test makes must not share the
        // tick of the listing (what the memo's too-new rule guards against outside tests).
        Thread.Sleep(50);
        return temp;
    }

    /// <summary>The memo's answer, and how many times it walked.</summary>
    private static (IReadOnlyList<string>? Names, int Walks) List(HeaderListingMemo memo, string root)
    {
        var walks = 0;
        var names = memo.HeaderNames(root, (directory, walked) =>
        {
            walks++;
            var found = new List<string>();
            void Walk(string path)
            {
                foreach (var file in Directory.EnumerateFiles(path).Where(f => f.EndsWith(".h", StringComparison.Ordinal)))
                {
                    found.Add(Path.GetRelativePath(directory, file));
                }

                foreach (var sub in Directory.EnumerateDirectories(path))
                {
                    walked(sub);
                    Walk(sub);
                }
            }

            Walk(directory);
            found.Sort(StringComparer.Ordinal);
            return found;
        });
        return (names, walks);
    }

    [Fact]
    public void HeaderNames_TreeUnchanged_IsAnsweredWithoutAWalk()
    {
        using var temp = Tree();
        var memo = new HeaderListingMemo(KeepAll);
        var first = List(memo, temp.Combine("include"));

        var second = List(memo, temp.Combine("include"));

        Assert.Equal(["a.h", "sys/b.h", "sys/deep/c.h"], first.Names);
        Assert.Equal(1, first.Walks);
        Assert.Equal(0, second.Walks);
        Assert.Equal(first.Names, second.Names);
    }

    [Fact]
    public void HeaderNames_HeaderCreatedInADeepSubdirectory_IsListedAtOnce()
    {
        using var temp = Tree();
        var memo = new HeaderListingMemo(KeepAll);
        List(memo, temp.Combine("include"));

        temp.Write("include/sys/deep/shadow.h", "");
        var after = List(memo, temp.Combine("include"));

        Assert.Equal(1, after.Walks);
        Assert.Contains("sys/deep/shadow.h", after.Names!);
    }

    [Fact]
    public void HeaderNames_SubdirectoryReplacedByAnother_IsListedAtOnce()
    {
        using var temp = Tree();
        var memo = new HeaderListingMemo(KeepAll);
        List(memo, temp.Combine("include"));
        temp.Write("elsewhere/other.h", "");

        Directory.Delete(temp.Combine("include", "sys"), recursive: true);
        Directory.Move(temp.Combine("elsewhere"), temp.Combine("include", "sys"));
        var after = List(memo, temp.Combine("include"));

        Assert.Equal(1, after.Walks);
        Assert.Equal(["a.h", "sys/other.h"], after.Names);
    }

    [Fact]
    public void HeaderNames_DirectoriesChangedJustNow_AreNotKept()
    {
        using var temp = Tree();
        var memo = new HeaderListingMemo();

        var first = List(memo, temp.Combine("include"));
        var second = List(memo, temp.Combine("include"));

        Assert.Equal((1, 1), (first.Walks, second.Walks));
        Assert.Equal(0, memo.Count);
    }

    [Fact]
    public void HeaderNames_OnAFileSystemThatIsNotLocal_IsNotKept()
    {
        // /proc stands in for NFS: not one of the local file systems, whose attributes a client may serve from its cache.
        var memo = new HeaderListingMemo(KeepAll);
        var walks = 0;
        IReadOnlyList<string> Walk(string directory, Action<string> walked)
        {
            walks++;
            return [];
        }

        memo.HeaderNames("/proc/sys", Walk);
        memo.HeaderNames("/proc/sys", Walk);

        Assert.Equal(2, walks);
        Assert.Equal(0, memo.Count);
    }

    [Fact]
    public void HeaderNames_MissingDirectory_IsNotKept()
    {
        using var temp = new TempDirectory();
        var memo = new HeaderListingMemo(KeepAll);

        var missing = memo.HeaderNames(temp.Combine("absent"), (_, _) => null);

        Assert.Null(missing);
        Assert.Equal(0, memo.Count);
    }
}
