using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using Farm.Core.Diagnostics;
using Farm.Core.Kraftfiles;

namespace Farm.Core.Tests.Kraftfiles;

/// <summary>
/// Fuzzes the parser with YAML-aware mutations of valid Kraftfiles (the shared corpus plus a few inline files):
/// whatever the damage, <see cref="KraftfileParser.Parse(string, string, string)"/> returns instead of throwing or
/// hanging, and its result is either valid or carries at least one error, every diagnostic pointing into the file.
/// A failure prints the CsCheck seed (rerun with it through the <c>CsCheck_Seed</c> environment variable) and the
/// shrunk mutant as C# string text.
/// </summary>
public sealed partial class KraftfileMutationTests
{
    private const int Mutants = 10_000;
    private const string DisplayPath = "mutant/Kraftfile";

    /// <summary>A hang detector, not a performance bound: the slowest real parse is milliseconds.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(30);

    private static readonly string[] InlineSeeds =
    [
        """
        spec: v0.6
        name: helloworld
        unikraft:
          version: stable
          kconfig:
            CONFIG_LIBUKDEBUG: 'y'
        libraries:
          lwip: stable
        targets:
        - qemu/x86_64
        - platform: fc
          architecture: x86_64
          kconfig:
            - CONFIG_X=y
        env:
          - A=B
        cmd: ["/bin/app", "-v"]

        """,
        """
        spec: v0.6

        name: http-go1.21

        runtime: base:latest

        rootfs: ./Dockerfile

        cmd: ["/server", "--port", "8080"]

        # A comment between keys.
        env:
          GOMAXPROCS: 1
          MODE: "production"

        """,
        """
        specification: '0.5'
        name: legacy
        unikraft:
          version: stable
          kconfig:
            - CONFIG_LIBUKLIBPARAM=y
            - CONFIG_LIBVFSCORE_ROOTFS="initrd"
        targets:
          - name: legacy-qemu-x86_64
            architecture: x86_64
            platform: qemu
            kconfig:
              - CONFIG_PLAT_KVM=y
          - name: legacy-fc-arm64
            architecture: arm64
            platform: fc
        libraries:
          musl:
            version: stable
          lwip:
            version: stable
            kconfig:
              - CONFIG_LWIP_TCP=y

        """,
        """
        spec: v0.6
        name: anchors
        x-common: &common
          CONFIG_LIBUKDEBUG: 'y'
          CONFIG_LIBVFSCORE: y
        unikraft:
          version: stable
          kconfig:
            <<: *common
            CONFIG_LIBUKNETDEV: 'y'
        libraries: {musl: stable, lwip: {version: stable, kconfig: {CONFIG_LWIP_UDP: 'y'}}}
        targets: [qemu/x86_64, {platform: qemu, architecture: arm64}]

        """,
        """
        spec: "v0.6"
        name: "elf-app"
        template:
          source: https://github.com/unikraft/app-elfloader.git
          version: stable
        unikraft:
          kconfig:
            CONFIG_LIBPOSIX_ENVIRON_ENVP0: >
              PATH=/bin
        targets:
          - architecture: x86_64
            platform: qemu
        labels:
          org.example.team: core
        volumes:
          - ./data:/data
        ...

        """,
    ];

    // Values that break a Kraftfile in different ways: YAML 1.1 booleans and numbers, empty collections, null,
    // huge or odd text, targets and specs kraft refuses.
    private static readonly string[] Values =
    [
        "y", "n", "~", "0x400000000", "1.5", "[]", "{}", "null", "\"quoted\"", "'single'", "\"\"", "yes", "off",
        "-1", ".inf", "0o17", "1_000", "99999999999999999999999999", "v99999999999.0", "0.6.0-rc1",
        new string('x', 5_000), string.Concat(Enumerable.Repeat("long words ", 400)),
        "Ünïcödé ☃ 𝄞 日本語 \u202Eevil", "line\u2028separator", "next\u0085line", "\"\\u0000\\x01\\uD800\"",
        "qemu/x86_64", "kvm/amd64", "xen/arm", "v0.7", "v0.6", "0.5", "stable", ".", "..", "/", "./rootfs",
        "https://github.com/unikraft/unikraft.git@stable", "base:latest", "A=B", "=", "*a", "&a x", "!!int x",
        "!!binary AAAA", "|", ">-", "? x", "- a", "[a, [b, {c: d}]]", "{a: *a}", "@", "`", "%",
    ];

    private static readonly string[] Tokens =
    [
        ":", ": ", "- ", "[", "]", "{", "}", "&a ", "*a", "!!int ", "!!str ", "!!map ", "!!seq ", "!local ", "\"", "'",
        "? ", "<<: *a", "<<: [*a, *a]", "---", "...", "%YAML 1.1", "%TAG ! tag:x,2000:", "|", ">", "|-", ">+2",
        "#", ", ", "\n", "\n---\n", "\n...\n", "&a", "@", "`", "%", "\\", "\t",
    ];

    private static readonly byte[][] SpecialBytes =
    [
        [0x00], [0x01], [0x07], [0x08], [0x09], [0x0B], [0x0C], [0x0D], [0x1B], [0x7F],
        [0x80], [0xBF], [0xC0, 0xAF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x9F],
        [0xFE], [0xFF], [0xEF, 0xBB, 0xBF], [0xC2, 0x85], [0xE2, 0x80, 0xA8], [0xE2, 0x80, 0xAE], [0xEF, 0xBF, 0xBF],
    ];

    [Fact]
    public void Parse_MutatedValidKraftfiles_ReturnsValidOrLocatedErrorsWithoutThrowingOrHanging()
    {
        var parser = new KraftfileParser();
        var directory = Directory.CreateTempSubdirectory("farm-mutation-");
        try
        {
            var (seeds, sharedSeeds) = LoadSeeds(parser, directory.FullName);
            long valid = 0, invalid = 0, viaBytes = 0;
            long slowestTicks = 0;
            var output = TestContext.Current.TestOutputHelper;

            MutantGen(seeds).Sample(
                mutant =>
                {
                    var (result, elapsed) = ParseGuarded(parser, mutant, directory.FullName);
                    AssertWellFormed(mutant, result);
                    Interlocked.Increment(ref result.IsValid ? ref valid : ref invalid);
                    if (mutant.IsRaw)
                    {
                        Interlocked.Increment(ref viaBytes);
                    }

                    InterlockedMax(ref slowestTicks, elapsed.Ticks);
                },
                writeLine: output is null ? null : output.WriteLine,
                iter: Mutants,
                threads: 1,
                print: Describe);

            output?.WriteLine(
                $"{Mutants:N0} mutants of {seeds.Count} seeds ({sharedSeeds} from the shared corpus): {valid:N0} valid, {invalid:N0} invalid; "
                + $"{viaBytes:N0} read through the byte overload; slowest parse {TimeSpan.FromTicks(slowestTicks).TotalMilliseconds:0.#} ms");
            Assert.Equal(Mutants, valid + invalid);
            Assert.True(valid > 0, "no mutant stayed valid: the mutator only produces broken files");
            Assert.True(invalid > 0, "no mutant was invalid: the mutator does not damage the files");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void SharedKraftfiles_AlmostAllParseAsValidSeeds()
    {
        var root = TestPaths.RequireSharedKraftfiles();
        var files = SharedKraftfileFiles(root);
        var parser = new KraftfileParser();

        var invalid = files.Where(f => !parser.Parse(File.ReadAllBytes(f), f, Path.GetDirectoryName(f)!).IsValid).ToList();

        Assert.True(files.Count >= 100, $"only {files.Count} files under {root}");
        Assert.True(invalid.Count <= 5, "invalid seeds: " + string.Join(", ", invalid));
    }

    private static (IReadOnlyList<Seed> Seeds, int Shared) LoadSeeds(KraftfileParser parser, string directory)
    {
        var seeds = new List<Seed>();
        foreach (var (text, index) in InlineSeeds.Select((t, i) => (t, i)))
        {
            var inline = parser.Parse(text, DisplayPath, directory);
            Assert.True(inline.IsValid, $"inline seed {index} is not valid: {string.Join("; ", inline.Errors)}");
            seeds.Add(new Seed($"inline[{index}]", Encoding.UTF8.GetBytes(text)));
        }

        var shared = 0;
        var root = TestPaths.SharedKraftfiles;
        if (Directory.Exists(root))
        {
            foreach (var file in SharedKraftfileFiles(root))
            {
                var bytes = File.ReadAllBytes(file);
                if (parser.Parse(bytes, DisplayPath, directory).IsValid)
                {
                    seeds.Add(new Seed(Path.GetRelativePath(root, file), bytes));
                    shared++;
                }
            }
        }

        return (seeds, shared);
    }

    /// <summary>Every file of the corpus but its README (two catalog files are empty, so not valid seeds).</summary>
    private static List<string> SharedKraftfileFiles(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).Equals("README.md", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static Gen<Mutant> MutantGen(IReadOnlyList<Seed> seeds) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], MutationGen.Array[1, 4], (seed, mutations) => new Mutant(seeds[seed], mutations));

    private static readonly Gen<int> Anywhere = Gen.Int[0, 1 << 20];

    // Where on a line a token goes: after the indentation (-1), at the end (-2), at the start (0) or anywhere.
    private static readonly Gen<int> Column = Gen.Frequency<int>(
        (3, Gen.Const(-1)),
        (2, Gen.Const(-2)),
        (1, Gen.Const(0)),
        (4, Gen.Int[0, 120]));

    private static readonly Gen<byte[]> RawBytes = Gen.Frequency<byte[]>(
            (3, Gen.OneOfConst(SpecialBytes)),
            (1, Gen.Byte.Array[1, 4]))
        .Array[1, 6]
        .Select(chunks => chunks.SelectMany(b => b).ToArray());

    private static readonly Gen<Mutation> MutationGen = Gen.Frequency<Mutation>(
        (3, Anywhere.Select(Mutation (line) => new DeleteLine(line))),
        (2, Anywhere.Select(Mutation (line) => new DuplicateLine(line))),
        (2, Gen.Select(Anywhere, Anywhere, Mutation (a, b) => new SwapLines(a, b))),
        (3, Gen.Select(Anywhere, Gen.OneOfConst(-4, -2, -1, 1, 2, 3, 8), Mutation (line, delta) => new Reindent(line, delta))),
        (2, Gen.Select(Anywhere, Column, Mutation (line, column) => new InsertText(line, column, "\t"))),
        (6, Gen.Select(Anywhere, Column, Gen.OneOfConst(Tokens), Mutation (line, column, token) => new InsertText(line, column, token))),
        (6, Gen.Select(Anywhere, Gen.OneOfConst(Values), Mutation (site, value) => new ReplaceValue(site, value))),
        (2, Gen.Select(Anywhere, Gen.Int[1, 8], Mutation (at, count) => new DeleteChars(at, count))),
        (2, Anywhere.Select(Mutation (at) => new Truncate(at))),
        (3, Gen.Select(Anywhere, RawBytes, Mutation (at, bytes) => new InsertBytes(at, bytes))));

    /// <summary>Runs one parse on a worker so that a parse that never returns fails the case instead of the whole run.</summary>
    private static (KraftfileParseResult Result, TimeSpan Elapsed) ParseGuarded(KraftfileParser parser, Mutant mutant, string directory)
    {
        var bytes = mutant.Bytes;
        var text = mutant.IsRaw ? null : Encoding.UTF8.GetString(bytes);
        var stopwatch = Stopwatch.StartNew();
        var parse = Task.Run(() => text is null ? parser.Parse(bytes, DisplayPath, directory) : parser.Parse(text, DisplayPath, directory));
        var finished = ((IAsyncResult)parse).AsyncWaitHandle.WaitOne(HangLimit);
        stopwatch.Stop();
        if (!finished || stopwatch.Elapsed > HangLimit)
        {
            Assert.Fail($"a single parse ran for {stopwatch.Elapsed.TotalSeconds:0.#} s (limit {HangLimit.TotalSeconds} s): the parser hangs on this input");
        }

        return (parse.GetAwaiter().GetResult(), stopwatch.Elapsed);
    }

    private static void AssertWellFormed(Mutant mutant, KraftfileParseResult result)
    {
        Assert.Equal(DisplayPath, result.Path);
        var errors = result.Diagnostics.Count(d => d.IsError);
        Assert.True(
            (result.Kraftfile is not null && errors == 0) || errors > 0,
            $"neither valid nor with an error: Kraftfile is {(result.Kraftfile is null ? "null" : "set")}, {result.Diagnostics.Count} diagnostics");

        // "Lines" as YAML counts them (LF, CR, CRLF, NEL, LS, PS); a diagnostic may point one past the last (end of input).
        var maxLine = LineBreaks(mutant.Bytes) + 2;
        foreach (var diagnostic in result.Diagnostics)
        {
            Assert.True(
                diagnostic.Line >= 1 && diagnostic.Line <= maxLine && diagnostic.Column >= 1,
                $"diagnostic outside the file (at most {maxLine} lines): {diagnostic.Format()}");
            Assert.False(string.IsNullOrWhiteSpace(diagnostic.Message), $"diagnostic without a message: {diagnostic.Format()}");
            Assert.NotNull(diagnostic.Field);
            Assert.Equal(DisplayPath, diagnostic.File);
        }
    }

    private static int LineBreaks(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var breaks = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break;
                case '\r' or '\n' or '\u0085' or '\u2028' or '\u2029':
                    breaks++;
                    break;
            }
        }

        return breaks;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static string Describe(Mutant mutant)
    {
        var text = Encoding.UTF8.GetString(mutant.Bytes);
        var shown = text.Length > 4_000 ? text[..4_000] + "…(truncated)" : text;
        return $"seed {mutant.Seed.Name}, {(mutant.IsRaw ? "byte" : "string")} overload, mutations [{string.Join("; ", mutant.Mutations.Select(m => m.ToString()))}]"
            + $"{Environment.NewLine}bytes (hex, first 256): {Convert.ToHexString(mutant.Bytes.AsSpan(0, Math.Min(256, mutant.Bytes.Length)))}"
            + $"{Environment.NewLine}text: {CSharpLiteral(shown)}";
    }

    private static string CSharpLiteral(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\uFFFD' or '\uFEFF' => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
