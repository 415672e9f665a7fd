using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Farm.Core.Yaml;

/// <summary>
/// Reads the first document of a YAML stream into a <see cref="YamlNode"/> tree without recursion, so that
/// deep nesting cannot overflow the stack, and with an alias expansion budget, so that "billion laughs"
/// documents are refused instead of expanded. Merge keys (<c>&lt;&lt;: *base</c>) are applied as YAML 1.1 says.
/// </summary>
public sealed class SafeYamlReader
{
    private readonly YamlLimits _limits;

    public SafeYamlReader(YamlLimits? limits = null) => _limits = limits ?? YamlLimits.Default;

    public YamlReadResult Read(string text)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        var stack = new Stack<Frame>();
        YamlNode? root = null;
        var inDocument = false;
        var lastEnd = Mark.FileStart;
        try
        {
            while (MoveNext(parser, ref lastEnd))
            {
                var ev = parser.Current!;
                var at = ToMark(ev.Start);
                switch (ev)
                {
                    case DocumentStart when root is not null || inDocument:
                        return new YamlReadResult(root, null, SecondDocument: at);
                    case DocumentStart:
                        inDocument = true;
                        continue;
                    case DocumentEnd:
                        inDocument = false;
                        if (root is not null)
                        {
                            return new YamlReadResult(root, null, PeekSecondDocument(parser));
                        }

                        continue;
                    case StreamStart or StreamEnd or Comment:
                        continue;
                }

                YamlNode? done;
                switch (ev)
                {
                    case MappingStart m:
                        if (stack.Count >= _limits.MaxDepth)
                        {
                            return Fail(at, $"YAML nests deeper than {_limits.MaxDepth} levels; a Kraftfile needs a handful");
                        }

                        stack.Push(new Frame(new YamlMapping(at), m.Anchor.IsEmpty ? null : m.Anchor.Value));
                        continue;
                    case SequenceStart s:
                        if (stack.Count >= _limits.MaxDepth)
                        {
                            return Fail(at, $"YAML nests deeper than {_limits.MaxDepth} levels; a Kraftfile needs a handful");
                        }

                        stack.Push(new Frame(new YamlSequence(at), s.Anchor.IsEmpty ? null : s.Anchor.Value));
                        continue;
                    case MappingEnd or SequenceEnd:
                        var frame = stack.Pop();
                        if (frame.Node is YamlMapping map)
                        {
                            var merged = MergeKeys.Apply(map, out var mergeError);
                            if (mergeError is not null)
                            {
                                return Fail(mergeError.At, mergeError.Message);
                            }

                            frame = frame with { Node = merged };
                        }

                        done = frame.Node;
                        if (frame.Anchor is not null)
                        {
                            anchors[frame.Anchor] = done;
                        }

                        break;
                    case Scalar sc:
                        var tag = sc.Tag.IsEmpty ? null : sc.Tag.Value;
                        var plain = sc.Style == ScalarStyle.Plain;
                        done = new YamlScalar(at, sc.Value, Yaml11Scalars.Resolve(sc.Value, plain, tag), tag, plain);
                        if (!sc.Anchor.IsEmpty)
                        {
                            anchors[sc.Anchor.Value] = done;
                        }

                        break;
                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out done))
                        {
                            return Fail(at, $"alias '*{alias.Value.Value}' refers to no anchor defined before it");
                        }

                        break;
                    default:
                        continue;
                }

                if (done.ExpandedSize > _limits.MaxExpandedNodes)
                {
                    return Fail(at, $"YAML aliases expand to more than {_limits.MaxExpandedNodes:N0} nodes; refusing to expand them");
                }

                if (stack.Count == 0)
                {
                    root = done;
                    continue;
                }

                var error = stack.Peek().Add(done);
                if (error is not null)
                {
                    return Fail(error.At, error.Message);
                }
            }
        }
        catch (YamlException ex)
        {
            var at = ex.Message.Contains("tab", StringComparison.Ordinal) ? FirstTabIndentation(text) ?? ToMark(ex.End) : ToMark(ex.End);
            return Fail(at, "YAML syntax: " + CleanMessage(ex.Message) + LongKeyHint(text, ToMark(ex.Start)));
        }
        catch (YamlLibraryFailure failure)
        {
            return Fail(failure.At, "YAML syntax: the document cannot be read from here on (an unclosed '[', '{' or quote?)");
        }

        return new YamlReadResult(root, null, null);
    }

    /// <summary>
    /// YamlDotNet reports some malformed input (e.g. an unclosed flow list followed by a block map) with
    /// exceptions other than <see cref="YamlException"/>; to the user they are syntax errors all the same.
    /// </summary>
    private static bool MoveNext(Parser parser, ref Mark lastEnd)
    {
        bool moved;
        try
        {
            moved = parser.MoveNext();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException or FormatException or OverflowException)
        {
            throw new YamlLibraryFailure(lastEnd, ex);
        }

        if (moved && parser.Current is { } current)
        {
            lastEnd = ToMark(current.End);
        }

        return moved;
    }

    // YAML limits a plain key to 1024 characters; past that the parser only says it found no key.
    private static string LongKeyHint(string text, Mark start)
    {
        var lines = text.Split('\n');
        return start.Line <= lines.Length && lines[start.Line - 1].Length > 1024
            ? " (a line over 1024 characters: YAML allows a plain key at most 1024 characters)"
            : "";
    }

    // YamlDotNet places "found invalid tab as indentation" at the start of the enclosing map; the tab is what to fix.
    private static Mark? FirstTabIndentation(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
            if (tab >= 0 && tab < indent)
            {
                return new Mark(i + 1, tab + 1);
            }
        }

        return null;
    }

    private static Mark? PeekSecondDocument(Parser parser)
    {
        try
        {
            // kraft reads only the first document; a second one is worth a warning, its syntax is not checked.
            return parser.MoveNext() && parser.Current is DocumentStart ds ? ToMark(ds.Start) : null;
        }
        catch (YamlException ex)
        {
            return ToMark(ex.Start);
        }
    }

    private static YamlReadResult Fail(Mark at, string message) => new(null, new YamlProblem(at, message), null);

    private static Mark ToMark(YamlDotNet.Core.Mark m) => new(Math.Max(1, (int)Math.Min(m.Line, int.MaxValue)), Math.Max(1, (int)Math.Min(m.Column, int.MaxValue)));

    private static string CleanMessage(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 1, Idx: 20) - (Line: ...): "; our diagnostics carry the position already.
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        var text = cut >= 0 && message.StartsWith('(') ? message[(cut + 3)..] : message;
        return text.TrimEnd('.');
    }

    private sealed class YamlLibraryFailure(Mark at, Exception inner) : Exception(inner.Message, inner)
    {
        public Mark At { get; } = at;
    }

    private sealed record Frame(YamlNode Node, string? Anchor)
    {
        private YamlScalar? _pendingKey;

        public YamlProblem? Add(YamlNode child)
        {
            if (Node is YamlSequence seq)
            {
                seq.Add(child);
                return null;
            }

            var map = (YamlMapping)Node;
            if (_pendingKey is null)
            {
                if (child is not YamlScalar key)
                {
                    return new YamlProblem(child.Start, $"a map key must be a plain value, not {child.KindName}");
                }

                _pendingKey = key;
                return null;
            }

            map.Add(_pendingKey, child);
            _pendingKey = null;
            return null;
        }
    }
}
