using System.Text;
using Farm.Core.Diagnostics;
using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// Reads Kraftfiles with kraft's semantics. Never throws for bad input: every problem becomes a located
/// <see cref="Diagnostic"/>. Input is bounded (<see cref="MaxFileBytes"/>, nesting depth, alias expansion) so
/// that no file can hang or crash the reader.
/// </summary>
public sealed class KraftfileParser
{
    /// <summary>Real Kraftfiles are a few kilobytes; a megabyte leaves room for generated ones.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly YamlLimits _limits;

    public KraftfileParser(YamlLimits? limits = null) => _limits = limits ?? YamlLimits.Default;

    /// <summary>Reads the Kraftfile at <paramref name="path"/>: a file, or a directory holding one of kraft's file names.</summary>
    public KraftfileParseResult Load(string path)
    {
        var located = KraftfileLocator.Locate(path);
        if (located.Error is { } error)
        {
            return Failed(path, Mark.FileStart, error);
        }

        var file = located.File!;
        byte[] bytes;
        try
        {
            var info = new FileInfo(file);
            if (info.Length > MaxFileBytes)
            {
                return Failed(file, Mark.FileStart, TooLarge("file", info.Length));
            }

            bytes = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Failed(file, Mark.FileStart, $"cannot read the file: {ex.Message}");
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".";
        return Parse(bytes, file, directory);
    }

    /// <summary>Reads Kraftfile bytes; <paramref name="directory"/> is where relative paths in the file point.</summary>
    public KraftfileParseResult Parse(ReadOnlySpan<byte> bytes, string displayPath, string directory)
    {
        if (bytes.Length > MaxFileBytes)
        {
            return Failed(displayPath, Mark.FileStart, TooLarge("input", bytes.Length));
        }

        if (bytes.IndexOf((byte)0) is var nul and >= 0)
        {
            return Failed(displayPath, PositionOf(bytes, nul, inCharacters: false), "the file holds NUL bytes: it is binary, not a YAML text file");
        }

        var bom = bytes.StartsWith(Utf8ByteOrderMark) ? Utf8ByteOrderMark.Length : 0;
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes[bom..]);
        }
        catch (DecoderFallbackException ex)
        {
            return Failed(displayPath, PositionOf(bytes, bom + Math.Max(0, ex.Index), inCharacters: true), "the file is not UTF-8 text; save it as UTF-8");
        }

        return Parse(text, displayPath, directory);
    }

    public KraftfileParseResult Parse(string text, string displayPath, string directory)
    {
        var diagnostics = new DiagnosticBag(displayPath);
        var read = new SafeYamlReader(_limits).Read(text.StartsWith('\uFEFF') ? text[1..] : text);
        if (read.Error is { } problem)
        {
            diagnostics.Error(problem.At, "", problem.Message);
            return new KraftfileParseResult(displayPath, null, diagnostics.Items);
        }

        if (read.SecondDocument is { } second)
        {
            diagnostics.Warning(second, "", "a second YAML document starts here; kraft reads only the first");
        }

        var context = new ReadContext(diagnostics, directory);
        var directoryName = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        var kraftfile = new KraftfileReader(context, displayPath, directoryName).Read(read.Root);

        // Sections are read in a fixed order, not file order; users read diagnostics top to bottom.
        var inFileOrder = diagnostics.Items.OrderBy(d => d.Line).ThenBy(d => d.Column).ToList();
        return new KraftfileParseResult(displayPath, kraftfile, inFileOrder);
    }

    private static KraftfileParseResult Failed(string path, Mark at, string message) =>
        new(path, null, [new Diagnostic(DiagnosticSeverity.Error, path, at.Line, at.Column, "", message)]);

    private static string TooLarge(string what, long bytes) =>
        $"the {what} is {bytes:N0} bytes; a Kraftfile may be at most {MaxFileBytes:N0} bytes ({MaxFileBytes / 1024} KiB)";

    /// <summary>
    /// Line and column of a byte offset. Before an invalid UTF-8 byte the text is valid, so the column counts
    /// characters as an editor does; in a binary file it counts bytes.
    /// </summary>
    private static Mark PositionOf(ReadOnlySpan<byte> bytes, int offset, bool inCharacters)
    {
        var before = bytes[..Math.Min(offset, bytes.Length)];
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        var column = (inCharacters ? Encoding.UTF8.GetCharCount(before[lineStart..]) : before.Length - lineStart) + 1;
        return new Mark(line, column);
    }
}
