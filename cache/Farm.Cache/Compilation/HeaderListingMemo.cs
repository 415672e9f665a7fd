using System.Collections.Concurrent;
using Farm.Cache.IO;

namespace Farm.Cache.Compilation;

/// <summary>
/// The header names of include directories (<see cref="DirectMode"/>'s key), kept between the compiles of the resident
/// helper: a listing walks every directory of the tree (an open and two reads each, some 100 system calls for musl's
/// seven <c>-I</c> directories), while checking it costs one <c>statx</c> per directory. A listing is used again only
/// while every directory it walked is the same one (inode and device) with the same status-change time, which every
/// entry created, removed or renamed in it moves; and it is kept only when each of those times was older than
/// <see cref="DefaultTooNew"/> when the walk began, so that a change in the same clock tick as an earlier one cannot hide,
/// and only on a local file system: a network file system's client may answer a <c>statx</c> from attributes it cached
/// for up to a minute, while opening the directory to list it asks the server.
/// </summary>
public sealed class HeaderListingMemo
{
    /// <summary>How old a directory's last change must be for its listing to be kept.</summary>
    public static readonly TimeSpan DefaultTooNew = TimeSpan.FromSeconds(2);

    private readonly TimeSpan _tooNew;

    /// <param name="tooNew">How old a directory's last change must be for its listing to be kept (tests shorten it).</param>
    public HeaderListingMemo(TimeSpan? tooNew = null) => _tooNew = tooNew ?? DefaultTooNew;

    /// <summary>How many trees are kept; past that the memo starts again (a helper serves one machine's builds).</summary>
    public const int MaxListings = 4096;

    // ext2/3/4, XFS, Btrfs, tmpfs, overlayfs, F2FS, ZFS, bcachefs: what a build machine's own disks are.
    private static readonly HashSet<long> LocalFileSystems = [0xEF53, 0x58465342, 0x9123683E, 0x01021994, 0x794C7630, 0xF2F52010, 0x2FC12FC1, 0xCA451A4E];

    private readonly ConcurrentDictionary<string, Listing> _listings = new(StringComparer.Ordinal);

    /// <summary>How many trees are kept now (tests).</summary>
    public int Count => _listings.Count;

    /// <summary>
    /// The header names under <paramref name="root"/>: the kept listing when it is still current, else
    /// <paramref name="walk"/>'s (given the root and a callback for every subdirectory it walks into).
    /// </summary>
    public IReadOnlyList<string>? HeaderNames(string root, Func<string, Action<string>, IReadOnlyList<string>?> walk)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(walk);
        if (_listings.TryGetValue(root, out var kept) && kept.IsCurrent())
        {
            return kept.Names;
        }

        var began = DateTimeOffset.UtcNow - _tooNew;
        var directories = new List<(string Path, Stamp Stamp)>();
        var keepable = true;
        void Walked(string directory)
        {
            // Looked at before the walk reads it: a change after this look moves the time this listing is checked against.
            if (Stamp.Of(directory) is { } stamp && stamp.ChangedBefore(began) && FileStatus.FileSystemType(directory) is { } type && LocalFileSystems.Contains(type))
            {
                directories.Add((directory, stamp));
            }
            else
            {
                keepable = false;
            }
        }

        Walked(root);
        var names = walk(root, Walked);
        if (names is null || !keepable)
        {
            _listings.TryRemove(root, out _);
            return names;
        }

        if (_listings.Count >= MaxListings)
        {
            _listings.Clear();
        }

        _listings[root] = new Listing(names, [.. directories]);
        return names;
    }

    private sealed record Listing(IReadOnlyList<string> Names, (string Path, Stamp Stamp)[] Directories)
    {
        public bool IsCurrent()
        {
            foreach (var (path, stamp) in Directories)
            {
                if (Stamp.Of(path) != stamp)
                {
                    return false;
                }
            }

            return true;
        }
    }

    private readonly record struct Stamp(ulong Inode, ulong Device, long ChangedSeconds, uint ChangedNanoseconds)
    {
        public static Stamp? Of(string path) =>
            FileStatus.Changed(path) is { } status ? new Stamp(status.Inode, status.Device, status.ChangedSeconds, status.ChangedNanoseconds) : null;

        public bool ChangedBefore(DateTimeOffset moment) => ChangedSeconds < moment.ToUnixTimeSeconds();
    }
}
