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
        try
        {
            while (parser.MoveNext())
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
            return Fail(ToMark(ex.Start), "YAML syntax: " + CleanMessage(ex.Message));
        }

        return new YamlReadResult(root, null, null);
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
