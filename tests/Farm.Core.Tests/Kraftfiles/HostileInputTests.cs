using System.Diagnostics;
using System.Text;
using Farm.Core.Diagnostics;
using Farm.Core.Kraftfiles;

namespace Farm.Core.Tests.Kraftfiles;

/// <summary>
/// Inputs written to break a reader (empty, binary, huge, deeply nested, exponentially aliased, misplaced) each
/// give a located error that says what is wrong, quickly, instead of an exception, a hang or a stack overflow.
/// </summary>
public sealed partial class HostileInputTests : IDisposable
{
    private const string DisplayPath = "hostile/Kraftfile";

    /// <summary>A hang detector, not a performance bound.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(30);

    private readonly KraftfileParser _parser = new();
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("farm-hostile-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Parse_EmptyFile_ReportsEmptyFileAtStart()
    {
        var result = ParseBytes([]);

        var error = AssertSingleLocatedError(result, "", "the file is empty");
        Assert.Equal((1, 1), (error.Line, error.Column));
        Assert.Contains("spec: v0.6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WhitespaceAndCommentsOnly_ReportsEmptyFile()
    {
        var text = "\n   \n# Kraftfile for the app\n\t\n  # spec: v0.6 (commented out)\n\n";

        var result = ParseText(text);

        var error = AssertSingleLocatedError(result, text, "the file is empty");
        Assert.Equal((1, 1), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_BinaryGarbageWithNuls_ReportsBinaryFileAtFirstNul()
    {
        var bytes = Garbage(64 * 1024, seed: 0x5EED);
        var firstNul = Array.IndexOf(bytes, (byte)0);
        Assert.True(firstNul >= 0, "the garbage holds no NUL byte");
        var before = bytes.AsSpan(0, firstNul);
        var expectedLine = before.Count((byte)'\n') + 1;
        var expectedColumn = firstNul - (before.LastIndexOf((byte)'\n') + 1) + 1;

        var result = ParseBytes(bytes);

        var error = AssertSingleLocatedError(result, Encoding.UTF8.GetString(bytes), "NUL bytes");
        Assert.Contains("binary", error.Message, StringComparison.Ordinal);
        Assert.Equal((expectedLine, expectedColumn), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_Latin1TextWithoutNuls_ReportsNotUtf8AtTheBadByte()
    {
        // "café" saved as Latin-1: 0xE9 is no UTF-8 sequence.
        byte[] bytes = [.. "spec: v0.6\nname: caf"u8, 0xE9, .. "\nruntime: base:latest\n"u8];

        var result = ParseBytes(bytes);

        var error = AssertSingleLocatedError(result, "spec: v0.6\nname: caf?\nruntime: base:latest\n", "not UTF-8");
        Assert.Equal((2, 10), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_InvalidUtf8DeepInALargeFile_ReportsTheLineOfTheBadByte()
    {
        // The decoder works in chunks; the position must still be that of the bad byte in the whole file.
        var text = new StringBuilder("spec: v0.6\nname: big\nenv:\n");
        for (var i = 0; i < 3_000; i++)
        {
            text.Append("  - VARIABLE_").Append(i).Append("=some-value-that-is-long-enough\n");
        }

        var prefix = Encoding.UTF8.GetBytes(text.ToString() + "  - BROKEN=");
        byte[] bytes = [.. prefix, 0xC3, 0x28, .. "\n"u8];
        var expectedLine = 3 + 3_000 + 1;

        var result = ParseBytes(bytes);

        var error = AssertSingleLocatedError(result, text.ToString() + "  - BROKEN=?(\n", "not UTF-8");
        Assert.Equal((expectedLine, "  - BROKEN=".Length + 1), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_InvalidUtf8AfterByteOrderMark_ReportsTheColumnOfTheBadByte()
    {
        // Whether or not the BOM is skipped before decoding, the column must count from the start of the bad byte's line.
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. "spec: v0.6\nname: x"u8, 0xFF, .. "y\n"u8];

        var result = ParseBytes(bytes);

        var error = AssertSingleLocatedError(result, "spec: v0.6\nname: x?y\n", "not UTF-8");
        Assert.Equal((2, 8), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_Utf8ByteOrderMark_IsSkippedNotReadAsPartOfTheFirstKey()
    {
        // Editors on Windows save UTF-8 with a BOM; kraft (Go's YAML library) skips it.
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. "spec: v0.6\nname: bom\nruntime: base:latest\n"u8];

        var result = ParseBytes(bytes);

        Assert.True(result.IsValid, string.Join("; ", result.Diagnostics));
        Assert.Empty(result.Diagnostics);
        Assert.Equal("0.6", result.Kraftfile!.Spec);
    }

    [Fact]
    public void Load_FiftyMegabyteFile_ReportsSizeWithoutParsingIt()
    {
        var path = Path.Combine(_directory.FullName, "Kraftfile");
        using (var file = File.Create(path))
        {
            // Valid YAML throughout, so that a reader which parsed it anyway would not fail with this error.
            file.Write("spec: v0.6\nname: huge\n"u8);
            var comment = Encoding.ASCII.GetBytes("# " + new string('x', 1021) + "\n");
            while (file.Length < 50L * 1024 * 1024)
            {
                file.Write(comment);
            }
        }

        var result = _parser.Load(path);

        var error = AssertSingleLocatedError(result, "", "at most 1,048,576 bytes", path);
        Assert.Contains($"{new FileInfo(path).Length:N0} bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, 1), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_BytesOverTheLimit_ReportsSize()
    {
        var bytes = Encoding.ASCII.GetBytes("spec: v0.6\nname: " + new string('a', KraftfileParser.MaxFileBytes) + "\n");

        var result = ParseBytes(bytes);

        AssertSingleLocatedError(result, "", "at most 1,048,576 bytes");
    }

    [Fact]
    public void Parse_HundredThousandOpenFlowLists_ReportsNestingDepth()
    {
        var text = "spec: v0.6\ntargets: " + new string('[', 100_000) + "\n";

        var result = ParseBytes(Encoding.ASCII.GetBytes(text));

        var error = AssertSingleLocatedError(result, text, "nests deeper than 64 levels");
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Parse_HundredThousandClosedFlowLists_ReportsNestingDepth()
    {
        var text = "spec: v0.6\ncmd: " + new string('[', 100_000) + new string(']', 100_000) + "\n";

        var result = ParseText(text);

        AssertSingleLocatedError(result, text, "nests deeper than 64 levels");
    }

    [Fact]
    public void Parse_TenThousandNestedFlowMaps_ReportsNestingDepth()
    {
        var text = "spec: v0.6\nlabels: " + string.Concat(Enumerable.Repeat("{a: ", 10_000)) + "x" + new string('}', 10_000) + "\n";

        var result = ParseText(text);

        AssertSingleLocatedError(result, text, "nests deeper than 64 levels");
    }

    [Fact]
    public void Parse_HundredThousandNestedBlockSequences_ReportsNestingDepth()
    {
        // "- - - x" nests one list per dash: 100,000 levels on one 200 KB line.
        var text = "spec: v0.6\ncmd:\n" + string.Concat(Enumerable.Repeat("- ", 100_000)) + "x\n";

        var result = ParseText(text);

        AssertSingleLocatedError(result, text, "nests deeper than 64 levels");
    }

    [Fact]
    public void Parse_DeepestBlockMapsThatFitTheSizeLimit_ReportsNestingDepth()
    {
        // 100,000 levels of "a:" indented by one more space each would take 5 GB; take as many as fit in 1 MiB.
        var text = new StringBuilder("spec: v0.6\n");
        for (var level = 0; text.Length + level + 3 < KraftfileParser.MaxFileBytes; level++)
        {
            text.Append(' ', level).Append("a:\n");
        }

        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        Assert.True(text.ToString().Split('\n').Length > 1_000, "fewer than a thousand levels");

        var result = ParseBytes(bytes);

        var error = AssertSingleLocatedError(result, text.ToString(), "nests deeper than 64 levels");
        Assert.Equal(1 + 64 + 1, error.Line);
    }

    [Fact]
    public void Parse_BillionLaughs_ReportsAliasExpansion()
    {
        const string text = """
            spec: v0.6
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
            i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
            name: *i

            """;

        var result = ParseText(text);

        var error = AssertSingleLocatedError(result, text, "aliases expand to more than");
        Assert.Contains("refusing to expand", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Line, 2, 11);
    }

    [Fact]
    public void Parse_BillionLaughsOfMapsInBlockStyle_ReportsAliasExpansion()
    {
        var text = new StringBuilder("spec: v0.6\nl0: &l0\n");
        for (var k = 0; k < 9; k++)
        {
            text.Append($"  k{k}: lol\n");
        }

        for (var i = 1; i <= 9; i++)
        {
            text.Append($"l{i}: &l{i}\n");
            for (var k = 0; k < 9; k++)
            {
                text.Append($"  k{k}: *l{i - 1}\n");
            }
        }

        text.Append("unikraft:\n  kconfig:\n    <<: *l9\n");

        var result = ParseText(text.ToString());

        AssertSingleLocatedError(result, text.ToString(), "aliases expand to more than");
    }

    [Fact]
    public void Parse_AliasToUndefinedAnchor_ReportsTheAliasWhereItIs()
    {
        const string text = "spec: v0.6\nname: app\nruntime: *base\n";

        var result = ParseText(text);

        var error = AssertSingleLocatedError(result, text, "alias '*base' refers to no anchor");
        Assert.Equal((3, 10), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_TopLevelList_ReportsThatAKraftfileIsAMap()
    {
        const string text = "- spec: v0.6\n- name: app\n";

        var result = ParseText(text);

        var error = AssertSingleLocatedError(result, text, "a Kraftfile is a YAML map");
        Assert.Contains("holds a list", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, 1), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_TopLevelScalar_ReportsThatAKraftfileIsAMap()
    {
        const string text = "# a single word\nhelloworld\n";

        var result = ParseText(text);

        var error = AssertSingleLocatedError(result, text, "a Kraftfile is a YAML map");
        Assert.Contains("the string 'helloworld'", error.Message, StringComparison.Ordinal);
        Assert.Equal((2, 1), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_SecondDocument_WarnsAtItsStartAndReadsTheFirst()
    {
        const string text = "spec: v0.6\nname: first\nruntime: base:latest\n---\nspec: v0.6\nname: second\n";

        var result = ParseText(text);

        Assert.True(result.IsValid, string.Join("; ", result.Diagnostics));
        Assert.Equal("first", result.Kraftfile!.Name);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal((4, 1), (warning.Line, warning.Column));
        Assert.Contains("second YAML document", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BrokenSecondDocument_WarnsAndStaysValid()
    {
        const string text = "spec: v0.6\nname: first\n---\n: : [ {\n\"unclosed\n";

        var result = ParseText(text);

        Assert.True(result.IsValid, string.Join("; ", result.Diagnostics));
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(3, warning.Line);
        Assert.Contains("second YAML document", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HugeSingleLineUnderTheLimit_IsReadQuickly()
    {
        var name = new string('a', 900 * 1024);
        var bytes = Encoding.ASCII.GetBytes($"spec: v0.6\nname: {name}\nruntime: base:latest\n");
        Assert.True(bytes.Length < KraftfileParser.MaxFileBytes);

        var result = ParseBytes(bytes);

        Assert.True(result.IsValid, string.Join("; ", result.Diagnostics.Select(d => d.Format()[..Math.Min(200, d.Format().Length)])));
        Assert.Equal(name, result.Kraftfile!.Name);
    }

    [Fact]
    public void Parse_HugeSingleLineKeyUnderTheLimit_ReportsALocatedSyntaxError()
    {
        // YAML limits an implicit key to 1024 characters.
        var text = $"spec: v0.6\n{new string('k', 900 * 1024)}: value\n";

        var result = ParseText(text);

        AssertSingleLocatedError(result, text, "YAML syntax");
    }

    [Fact]
    public void Load_DirectoryWithoutKraftfile_ReportsTheNamesLookedFor()
    {
        File.WriteAllText(Path.Combine(_directory.FullName, "README.md"), "# not a Kraftfile\n");

        var result = Timed(() => _parser.Load(_directory.FullName));

        var error = AssertSingleLocatedError(result, "", "no Kraftfile in this directory", _directory.FullName);
        Assert.Contains("looked for kraft.yaml", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, 1), (error.Line, error.Column));
    }

    [Fact]
    public void Load_PathThatDoesNotExist_ReportsNoSuchFile()
    {
        var path = Path.Combine(_directory.FullName, "missing", "Kraftfile");

        var result = Timed(() => _parser.Load(path));

        var error = AssertSingleLocatedError(result, "", "no such file or directory", path);
        Assert.Equal((1, 1), (error.Line, error.Column));
    }
}
