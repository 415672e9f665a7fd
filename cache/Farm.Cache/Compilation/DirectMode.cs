using System.Text;
using Farm.Cache.Keys;

namespace Farm.Cache.Compilation;

/// <summary>
/// The shortcut past the preprocessor, for rebuilds in place: a manifest, keyed by the compiler, the arguments, the
/// source's bytes and the names of every file in every include directory, lists each file the last compile read
/// (the files the preprocessor's line markers name, or its <c>-MD</c> dependency file) with its digest, and the
/// preprocessor-mode key that compile had. When every
/// listed file still has its digest, that key is the answer without running <c>gcc -E</c>. The directory listing
/// in the key is what keeps this sound: a new header (<c>.h</c>, <c>.inc</c>, ...) that would shadow an old one in an
/// earlier include directory changes the listing, so the shortcut is not taken. (A shadowing file named otherwise,
/// say an included <c>.c</c>, is not listed: such includes are rare, and the files a compile read are still each
/// checked by content.) Used only with <c>-nostdinc</c> (no system include directories to list).
/// </summary>
public static class DirectMode
{
    // Only names that #include reaches in practice: the source's own directory also holds objects and .d files
    // that change on every build and must not change the key.
    private static readonly HashSet<string> HeaderExtensions = new(StringComparer.Ordinal) { ".h", ".hh", ".hpp", ".hxx", ".inc", ".def", ".tbl", ".inl" };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> HeaderExtensionsLookup = HeaderExtensions.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly HashSet<string> IncludeOptions = new(StringComparer.Ordinal) { "-I", "-iquote", "-isystem", "-idirafter" };

    public static bool Eligible(CompilerInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        // A loop, not Enumerable.Contains: on the hit path of a NativeAOT process every first use of a generic LINQ
        // method costs the type loader more than the search.
        var nostdinc = false;
        foreach (var argument in invocation.Arguments)
        {
            nostdinc |= argument == "-nostdinc";
        }

        return nostdinc && !invocation.IsAssemblyWithoutPreprocessor;
    }

    /// <param name="listings">Listings kept from earlier compiles (the resident helper's); null: every directory is walked.</param>
    public static string Key(string compilerIdentity, CompilerInvocation invocation, PrefixMap prefixes, string directory, HeaderListingMemo? listings = null)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(prefixes);
        var hash = new Sha256();
        void Add(string field, string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            hash.AppendData(Encoding.ASCII.GetBytes($"{field}:{bytes.Length}:"));
            hash.AppendData(bytes);
        }

        var source = Path.GetFullPath(invocation.Source!, directory);
        Add("schema", $"{CacheKey.SchemaVersion}-direct");
        Add("compiler", compilerIdentity);
        // A macro's value is kept as written: -DDIR="/build/a" puts the path in the object where no prefix map reaches
        // it, so two directories must not share the key (the preprocessed key sees it in the text; this key cannot).
        var macroValue = false;
        foreach (var argument in invocation.ShapingArguments)
        {
            var macro = macroValue || argument.StartsWith("-D", StringComparison.Ordinal) || argument.StartsWith("-U", StringComparison.Ordinal);
            Add("argument", macro ? argument : prefixes.Normalise(argument));
            macroValue = argument is "-D" or "-U";
        }

        Add("source", prefixes.Normalise(source));
        Add("content", Convert.ToHexStringLower(Sha256.HashData(File.ReadAllBytes(source))));
        foreach (var searched in SearchDirectories(invocation, source, directory))
        {
            Add("directory", prefixes.Normalise(searched));
            var names = listings is null ? HeaderNames(searched, null) : listings.HeaderNames(searched, HeaderNames);
            if (names is null)
            {
                Add("missing", string.Empty);
                continue;
            }

            foreach (var file in names)
            {
                Add("entry", file);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The manifest for the files a compile read, or null when one of them is gone or reads the clock.</summary>
    public static byte[]? Build(string key, IEnumerable<string> files, PrefixMap prefixes, string directory) =>
        Listing(files, prefixes, directory).Body is { } body ? Encoding.UTF8.GetBytes($"{key}\n{body}") : null;

    /// <summary>
    /// A manifest's lines after the key: each file a compile read, with its digest, in path order. Refused (null, with
    /// why) when a file is gone, or when one uses <c>__DATE__</c>, <c>__TIME__</c> or <c>__TIMESTAMP__</c>: unchanged
    /// files would then not mean an unchanged object (ccache refuses direct mode for them too).
    /// </summary>
    public static (string? Body, string? Refusal) Listing(IEnumerable<string> files, PrefixMap prefixes, string directory)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        var text = new StringBuilder();
        foreach (var dependency in files.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var path = Path.GetFullPath(dependency, directory);
            if (ReadIfPresent(path) is not { } bytes)
            {
                return (null, "a file the compile read is gone");
            }

            if (ReadsTheClock(bytes))
            {
                return (null, "__DATE__, __TIME__ or __TIMESTAMP__");
            }

            text.Append(Convert.ToHexStringLower(Sha256.HashData(bytes))).Append('\t').Append(prefixes.Mark(path)).Append('\n');
        }

        return (text.ToString(), null);
    }

    private static bool ReadsTheClock(ReadOnlySpan<byte> bytes)
    {
        // A scan for "__", then a look at what follows (a step of one, so "___DATE__" is found too).
        for (var at = bytes.IndexOf("__"u8); at >= 0; )
        {
            var rest = bytes[at..];
            if (rest.StartsWith("__DATE__"u8) || rest.StartsWith("__TIME__"u8) || rest.StartsWith("__TIMESTAMP__"u8))
            {
                return true;
            }

            var next = rest[1..].IndexOf("__"u8);
            at = next < 0 ? -1 : at + 1 + next;
        }

        return false;
    }

    /// <summary>The file a preprocessor line marker (<c># 12 "path" 1 3</c>) names; null for <c>&lt;built-in&gt;</c> and the like.</summary>
    public static string? MarkedFile(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var open = line.IndexOf('"', StringComparison.Ordinal);
        var close = line.LastIndexOf('"');
        if (open < 0 || close <= open + 1)
        {
            return null;
        }

        var name = line[(open + 1)..close];
        // <built-in>, <command-line>; and with -g, the working directory, written with a trailing "//".
        if ((name.StartsWith('<') && name.EndsWith('>')) || name.EndsWith("//", StringComparison.Ordinal))
        {
            return null;
        }

        return name.Contains('\\', StringComparison.Ordinal) ? name.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal) : name;
    }

    /// <summary>
    /// The header names under <paramref name="directory"/> (relative paths, sorted); null when it does not exist. This
    /// runs on every hit, so: one walk without a separate existence check, and a string only for a header's name
    /// (the source directories also hold the sources and objects, which are looked at as spans and dropped).
    /// </summary>
    /// <param name="walked">Told each subdirectory before the walk goes into it.</param>
    private static List<string>? HeaderNames(string directory, Action<string>? walked)
    {
        var root = Path.TrimEndingDirectorySeparator(directory);
        var skip = root.EndsWith('/') ? root.Length : root.Length + 1; // "/" itself keeps its slash
        var names = new List<string>();
        try
        {
            // The enumerable opens the directory when made: an -I directory that does not exist throws here. Hidden
            // names count (gcc finds ".h" files whatever their name), and an unreadable subdirectory throws rather than
            // being left out silently: the directory then keys as missing, and the manifest's file digests decide a hit.
            var walk = new System.IO.Enumeration.FileSystemEnumerable<string>(
                root,
                (ref System.IO.Enumeration.FileSystemEntry entry) => entry.Directory.Length < skip
                    ? entry.FileName.ToString()
                    : string.Concat(entry.Directory[skip..], "/", entry.FileName),
                new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
            {
                ShouldIncludePredicate = (ref System.IO.Enumeration.FileSystemEntry entry) => !entry.IsDirectory && IsHeaderName(entry.FileName),
            };
            if (walked is not null)
            {
                walk.ShouldRecursePredicate = (ref System.IO.Enumeration.FileSystemEntry entry) =>
                {
                    walked(entry.ToFullPath());
                    return true;
                };
            }

            foreach (var name in walk)
            {
                names.Add(name);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private static bool IsHeaderName(ReadOnlySpan<char> name)
    {
        var dot = name.LastIndexOf('.');
        return dot >= 0 && HeaderExtensionsLookup.Contains(name[dot..]);
    }

    /// <summary>The file's bytes, or null when it is gone (an open that fails, not a stat before the open).</summary>
    internal static byte[]? ReadIfPresent(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<string> SearchDirectories(CompilerInvocation invocation, string source, string directory)
    {
        yield return Path.GetDirectoryName(source)!;
        var arguments = invocation.Arguments;
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (IncludeOptions.Contains(argument) && i + 1 < arguments.Count)
            {
                yield return Path.GetFullPath(arguments[++i], directory);
            }
            else if (argument.StartsWith("-I", StringComparison.Ordinal) && argument.Length > 2)
            {
                yield return Path.GetFullPath(argument[2..], directory);
            }
        }
    }
}
