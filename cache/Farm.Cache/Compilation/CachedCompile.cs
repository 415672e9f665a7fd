using System.Text;
using Farm.Cache.Keys;
using Farm.Cache.Stats;
using Farm.Cache.Store;
using Farm.Core.IO;

namespace Farm.Cache.Compilation;

/// <summary>
/// One compile through the cache, as farm-cc runs it. Every compile, hit or miss, is given the build's
/// <c>-ffile-prefix-map</c>s, so objects do not depend on where the build ran; the key then holds the preprocessed
/// input with its line markers normalised. A hit writes the object, the dependency file and the compiler's
/// messages exactly as the compile would have here; a miss compiles and stores, unless an input changed while it
/// ran. Anything farm-cc cannot cache runs uncached, with the reason counted.
/// </summary>
public sealed partial class CachedCompile
{
    private const string OutputMarker = "\u0001output\u0002";
    private readonly CacheSettings _settings;
    private readonly TieredCache _cache;
    private readonly CacheEvents _events;
    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;
    private readonly string _directory;
    private readonly Store.IManifestStore? _manifests;
    private readonly ICompilerRunner _runner;

    /// <param name="workingDirectory">Where the compile runs (make runs compiles from the build directory).</param>
    /// <param name="manifests">The worker's disk (directly or through the broker), for direct-mode manifests; null turns direct mode off.</param>
    /// <param name="runner">Where the compiler runs; null: as a child of this process.</param>
    public CachedCompile(CacheSettings settings, TieredCache cache, CacheEvents events, TextWriter stdout, TextWriter stderr, string workingDirectory, Store.IManifestStore? manifests = null, ICompilerRunner? runner = null)
    {
        _runner = runner ?? LocalCompilerRunner.Instance;
        _manifests = manifests;
        _directory = workingDirectory;
        _settings = settings;
        _cache = cache;
        _events = events;
        _stdout = stdout;
        _stderr = stderr;
    }

    /// <summary>Include directory listings kept between compiles (the resident helper's); null: walked for every compile.</summary>
    public HeaderListingMemo? Listings { get; init; }

    public int Run(string compiler, IReadOnlyList<string> arguments) => Compile(compiler, arguments, preprocessorKey: true)!.Value;

    /// <param name="preprocessorKey">False for the resident helper: a compile whose key needs the preprocessor's output
    /// (streamed from a child of this process) is left undone, null returned before anything ran.</param>
    private int? Compile(string compiler, IReadOnlyList<string> arguments, bool preprocessorKey)
    {
        var invocation = CompilerInvocation.Parse(compiler, arguments);
        var prefixes = PrefixMap.Parse(_settings.PrefixMap, _directory, _settings.BaseDirectory);
        if ((invocation.UncacheableReason ?? DestinationRefusal(invocation)) is { } reason)
        {
            _events.Uncacheable(reason);
            return _runner.Run(compiler, arguments, _stdout, _stderr, _directory).ExitCode;
        }

        var compileArguments = prefixes.CompilerFlags().Concat(arguments).ToList();
        var identity = CompilerIdentity.Of(compiler, _settings.StateDirectory, _settings.SearchPath);
        if (identity is null)
        {
            _events.Uncacheable("compiler not found");
            return _runner.Run(compiler, compileArguments, _stdout, _stderr, _directory).ExitCode;
        }

        var started = DateTime.UtcNow;
        var directKey = _manifests is not null && DirectMode.Eligible(invocation) ? DirectMode.Key(identity, invocation, prefixes, _directory, Listings) : null;
        if (directKey is not null && DirectHit(invocation, prefixes, directKey) is { } direct)
        {
            return direct;
        }

        if (directKey is not null && _settings.DependMode && DependMode.Refusal(invocation) is null)
        {
            return DependMiss(compiler, compileArguments, invocation, prefixes, directKey, started);
        }

        if (!preprocessorKey)
        {
            return null;
        }

        var (input, uncacheable, read) = InputDigest(invocation, prefixes, _directory);
        if (input is null)
        {
            _events.Uncacheable(uncacheable!);
            return _runner.Run(compiler, compileArguments, _stdout, _stderr, _directory).ExitCode;
        }

        var key = new CacheKey(
            identity,
            Path.GetExtension(invocation.Source!),
            invocation.ShapingArguments.Select(prefixes.Normalise).ToList(),
            input).Compute();

        if (_cache.TryGet(_settings.Scope, key) is { } hit)
        {
            if (!Replay(invocation, prefixes, hit.Entry, hit.Object))
            {
                _events.Uncacheable("output is not a regular file");
                return _runner.Run(compiler, compileArguments, _stdout, _stderr, _directory).ExitCode;
            }

            _events.Hit(hit.Tier, key);
            RecordManifest(invocation, prefixes, directKey, key, read);
            return 0;
        }

        _events.Miss(key);
        var (exitCode, stderr) = _runner.Run(compiler, compileArguments, _stdout, _stderr, _directory);
        if (exitCode == 0 && !_settings.ReadOnly && FileKinds.Of(InPlace(invocation.Output!)) == FileKind.Regular)
        {
            if (Store(invocation, prefixes, key, stderr, started))
            {
                RecordManifest(invocation, prefixes, directKey, key, read);
            }
        }

        return exitCode;
    }

    /// <summary>
    /// Why the compile's outputs cannot be written in place: farm-cc writes a hit by renaming over the output, which
    /// would turn <c>-o /dev/null</c> (every configure script's compile) into a regular file, and a miss would store
    /// what it read back from a device. Such a compile runs uncached, and the compiler writes where it writes.
    /// </summary>
    private string? DestinationRefusal(CompilerInvocation invocation) =>
        InPlaceWrite.Refusal(InPlace(invocation.Output!)) is not null ? "output is not a regular file"
        : invocation.DependencyFile is { } dependencyFile && InPlaceWrite.Refusal(InPlace(dependencyFile)) is not null ? "dependency file is not a regular file"
        : null;

    /// <summary>
    /// The digest of what the compiler will see: the preprocessed source with line-marker paths normalised (plain
    /// assembly: its bytes). Null with a reason when that is not everything the compile reads: assembler
    /// <c>.include</c>/<c>.incbin</c> pull in files that neither the preprocessor nor the key sees.
    /// </summary>
    private static (string? Digest, string? Uncacheable, IReadOnlyCollection<string> Read) InputDigest(CompilerInvocation invocation, PrefixMap prefixes, string directory)
    {
        var hash = new Sha256();
        var read = new HashSet<string>(StringComparer.Ordinal);
        var readsOtherFiles = false;
        void Add(string line)
        {
            readsOtherFiles |= invocation.IsAssembly && AssemblerReadsFile(line);
            hash.AppendData(Encoding.UTF8.GetBytes(line));
            hash.AppendData("\n"u8);
        }

        if (invocation.IsAssemblyWithoutPreprocessor)
        {
            foreach (var line in File.ReadLines(Path.Combine(directory, invocation.Source!)))
            {
                Add(line);
            }
        }
        else
        {
            var (exitCode, _) = CompilerProcess.Stream(
                invocation.Compiler,
                prefixes.CompilerFlags().Concat(invocation.PreprocessArguments),
                line =>
                {
                    // Line markers name files (absolute paths of this build); code lines are hashed as they are, so a
                    // path inside a string literal keeps two builds at different paths apart.
                    if (line.Length > 2 && line[0] == '#' && line[1] == ' ' && char.IsAsciiDigit(line[2]))
                    {
                        if (DirectMode.MarkedFile(line) is { } file)
                        {
                            read.Add(file);
                        }

                        Add(prefixes.Normalise(line));
                    }
                    else
                    {
                        Add(line);
                    }
                },
                directory);
            if (exitCode != 0)
            {
                return (null, "preprocessor failed", read);
            }
        }

        return readsOtherFiles ? (null, "assembler .include or .incbin", read) : (Convert.ToHexStringLower(hash.GetHashAndReset()), null, read);
    }

    private static bool AssemblerReadsFile(string line)
    {
        var text = line.TrimStart();
        return text.StartsWith(".incbin", StringComparison.Ordinal) || text.StartsWith(".include", StringComparison.Ordinal);
    }

    /// <summary>
    /// Writes a hit in place; false (for the caller to compile uncached) when a destination stopped being a regular file
    /// after <see cref="DestinationRefusal"/> looked.
    /// </summary>
    private bool Replay(CompilerInvocation invocation, PrefixMap prefixes, ActionEntry entry, byte[] content)
    {
        try
        {
            InPlaceWrite.WriteAllBytes(InPlace(invocation.Output!), content);
            if (invocation.DependencyFile is { } dependencyFile && entry.DependencyFile is { } dependencies)
            {
                InPlaceWrite.WriteAllBytes(InPlace(dependencyFile), Encoding.UTF8.GetBytes(DependencyFile.Rewrap(prefixes.Denormalise(dependencies.Replace(OutputMarker, invocation.Output, StringComparison.Ordinal)))));
            }
        }
        catch (RefusedWriteException)
        {
            return false;
        }

        if (entry.Stderr.Length > 0)
        {
            _stderr.Write(prefixes.Denormalise(entry.Stderr.Replace(OutputMarker, invocation.Output, StringComparison.Ordinal)));
        }

        return true;
    }

    /// <param name="read">The files a depend-mode compile read, when the build's dependency file is not where they are listed.</param>
    private bool Store(CompilerInvocation invocation, PrefixMap prefixes, string key, string stderr, DateTime started, IEnumerable<string>? read = null)
    {
        string? dependencies = null;
        if (invocation.DependencyFile is { } dependencyFile && FileKinds.Of(InPlace(dependencyFile)) == FileKind.Regular)
        {
            dependencies = File.ReadAllText(InPlace(dependencyFile));
        }

        // An input edited while we compiled would store an object that matches neither version for everyone.
        var inputs = new[] { invocation.Source! }.Concat(DependencyPaths(dependencies)).Concat(read ?? []);
        if (inputs.Select(InPlace).Any(path => File.Exists(path) && File.GetLastWriteTimeUtc(path) > started))
        {
            _events.Uncacheable("an input changed during the compile");
            return false;
        }

        var content = File.ReadAllBytes(InPlace(invocation.Output!));
        var entry = new ActionEntry(
            Convert.ToHexStringLower(Sha256.HashData(content)),
            content.LongLength,
            dependencies is null ? null : prefixes.Mark(dependencies.Replace(invocation.Output!, OutputMarker, StringComparison.Ordinal)),
            prefixes.Mark(stderr));
        _cache.Put(_settings.Scope, key, entry, content);
        _events.Stored(_settings.Scope.WriteScope, key);
        return true;
    }

    private string InPlace(string path) => Path.GetFullPath(path, _directory);

    private static IEnumerable<string> DependencyPaths(string? dependencies) =>
        dependencies is null
            ? []
            : dependencies.Replace("\\\n", " ", StringComparison.Ordinal).Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)
                .Where(token => !token.EndsWith(':') && token != "\\");
}
