using Farm.Cache.Store;

namespace Farm.Cache.Tests.Store;

public sealed class ActionEntryTests
{
    private static readonly ActionEntry Entry = new(
        new string('a', 64), 1234, "\u0001output\u0002: \u0001/farm/app\u0002/a.c\n", "a.c:1: warning: ünïcode\n");

    [Fact]
    public void TryParse_ToBytes_RoundTrips() =>
        Assert.Equal(Entry, ActionEntry.TryParse(Entry.ToBytes()));

    [Fact]
    public void TryParse_NoDependencyFileAndNoStderr_RoundTrips()
    {
        var entry = new ActionEntry(new string('0', 64), 0, null, string.Empty);

        Assert.Equal(entry, ActionEntry.TryParse(entry.ToBytes()));
    }

    [Fact]
    public void TryParse_EveryTruncation_IsNull()
    {
        var bytes = Entry.ToBytes();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Null(ActionEntry.TryParse(bytes.AsSpan(0, length)));
        }
    }

    [Fact]
    public void TryParse_TrailingBytes_IsNull() =>
        Assert.Null(ActionEntry.TryParse([.. Entry.ToBytes(), 0]));

    [Fact]
    public void TryParse_OtherMagic_IsNull()
    {
        var bytes = Entry.ToBytes();
        bytes[0] = (byte)'X';

        Assert.Null(ActionEntry.TryParse(bytes));
    }
}
