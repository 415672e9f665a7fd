using System.Diagnostics;
using System.Globalization;
using System.Text;
using CsCheck;
using Farm.Core.Diagnostics;
using Farm.Core.Kraftfiles;

namespace Farm.Core.Tests.Kraftfiles;

/// <summary>The mutations the fuzz test applies to seed Kraftfiles, one record per kind.</summary>
public sealed partial class KraftfileMutationTests
{
    private sealed record Seed(string Name, byte[] Bytes);

    private sealed record Mutant(Seed Seed, Mutation[] Mutations)
    {
        public byte[] Bytes { get; } = Mutations.Aggregate(Seed.Bytes, (bytes, mutation) => mutation.Apply(bytes));

        /// <summary>Mutants that may hold bytes no string can: they go through the byte overload.</summary>
        public bool IsRaw => Mutations.Any(m => m.IsRaw);
    }

    /// <summary>
    /// One edit of a file's bytes. Positions are drawn large and reduced modulo the file's size; text edits stay on
    /// UTF-8 character boundaries so that only <see cref="Truncate"/> and <see cref="InsertBytes"/> make non-text.
    /// </summary>
    private abstract record Mutation
    {
        public virtual bool IsRaw => false;

        public abstract byte[] Apply(byte[] input);

        protected static List<byte[]> Lines(byte[] input)
        {
            var lines = new List<byte[]>();
            var start = 0;
            for (var i = 0; i < input.Length; i++)
            {
                if (input[i] == (byte)'\n')
                {
                    lines.Add(input[start..i]);
                    start = i + 1;
                }
            }

            lines.Add(input[start..]);
            return lines;
        }

        protected static byte[] Join(List<byte[]> lines)
        {
            using var stream = new MemoryStream();
            for (var i = 0; i < lines.Count; i++)
            {
                if (i > 0)
                {
                    stream.WriteByte((byte)'\n');
                }

                stream.Write(lines[i]);
            }

            return stream.ToArray();
        }

        protected static int Indentation(byte[] line)
        {
            var n = 0;
            while (n < line.Length && line[n] == (byte)' ')
            {
                n++;
            }

            return n;
        }

        /// <summary>The start of the UTF-8 character at or before <paramref name="position"/>.</summary>
        protected static int CharStart(byte[] bytes, int position)
        {
            var p = Math.Clamp(position, 0, bytes.Length);
            while (p > 0 && p < bytes.Length && (bytes[p] & 0xC0) == 0x80)
            {
                p--;
            }

            return p;
        }

        protected static byte[] Splice(byte[] bytes, int at, int remove, ReadOnlySpan<byte> insert) =>
            [.. bytes.AsSpan(0, at), .. insert, .. bytes.AsSpan(at + remove)];
    }

    private sealed record DeleteLine(int Line) : Mutation
    {
        public override byte[] Apply(byte[] input)
        {
            var lines = Lines(input);
            lines.RemoveAt(Line % lines.Count);
            return Join(lines);
        }
    }

    private sealed record DuplicateLine(int Line) : Mutation
    {
        public override byte[] Apply(byte[] input)
        {
            var lines = Lines(input);
            var i = Line % lines.Count;
            lines.Insert(i, lines[i]);
            return Join(lines);
        }
    }

    private sealed record SwapLines(int A, int B) : Mutation
    {
        public override byte[] Apply(byte[] input)
        {
            var lines = Lines(input);
            var (a, b) = (A % lines.Count, B % lines.Count);
            (lines[a], lines[b]) = (lines[b], lines[a]);
            return Join(lines);
        }
    }

    /// <summary>Adds spaces in front of a line, or removes up to that many of its leading spaces.</summary>
    private sealed record Reindent(int Line, int Delta) : Mutation
    {
        public override byte[] Apply(byte[] input)
        {
            var lines = Lines(input);
            var i = Line % lines.Count;
            var line = lines[i];
            lines[i] = Delta > 0
                ? [.. Enumerable.Repeat((byte)' ', Delta), .. line]
                : line[Math.Min(-Delta, Indentation(line))..];
            return Join(lines);
        }
    }

    /// <summary>Inserts text on a line: after its indentation (column -1), at its end (-2), or at a column.</summary>
    private sealed record InsertText(int Line, int Column, string Text) : Mutation
    {
        public override byte[] Apply(byte[] input)
        {
            var lines = Lines(input);
            var i = Line % lines.Count;
            var line = lines[i];
            var at = Column switch
            {
                -1 => Indentation(line),
                -2 => line.Length,
                _ => CharStart(line, Column % (line.Length + 1)),
            };
            lines[i] = Splice(line, at, 0, Encoding.UTF8.GetBytes(Text));
            return Join(lines);
        }

        public override string ToString() => $"InsertText {{ Line = {Line}, Column = {Column}, Text = {CSharpLiteral(Text)} }}";
    }

    /// <summary>Replaces what follows a <c>key: </c>, a bare <c>key:</c> or a list dash with another value.</summary>
    private sealed record ReplaceValue(int Site, string Value) : Mutation
    {
        public override byte[] Apply(byte[] input)
        {
            var lines = Lines(input);
            var sites = new List<(int Line, int Start, bool NeedsSpace)>();
            for (var i = 0; i < lines.Count; i++)
            {
                var line = lines[i];
                var indent = Indentation(line);
                if (line.AsSpan(indent).StartsWith("- "u8))
                {
                    sites.Add((i, indent + 2, false));
                }

                var colon = line.AsSpan().IndexOf(": "u8);
                if (colon >= 0)
                {
                    sites.Add((i, colon + 2, false));
                }
                else if (line.Length > 0 && line[^1] == (byte)':')
                {
                    sites.Add((i, line.Length, true));
                }
            }

            if (sites.Count == 0)
            {
                return input;
            }

            var site = sites[Site % sites.Count];
            var value = Encoding.UTF8.GetBytes((site.NeedsSpace ? " " : "") + Value);
            var target = lines[site.Line];
            lines[site.Line] = Splice(target, site.Start, target.Length - site.Start, value);
            return Join(lines);
        }

        public override string ToString() =>
            $"ReplaceValue {{ Site = {Site}, Value = {CSharpLiteral(Value.Length > 60 ? Value[..60] + $"…({Value.Length} chars)" : Value)} }}";
    }

    private sealed record DeleteChars(int At, int Count) : Mutation
    {
        public override byte[] Apply(byte[] input)
        {
            if (input.Length == 0)
            {
                return input;
            }

            var start = CharStart(input, At % input.Length);
            var end = start;
            for (var n = 0; n < Count && end < input.Length; n++)
            {
                end = NextCharStart(input, end);
            }

            return Splice(input, start, end - start, []);
        }

        private static int NextCharStart(byte[] bytes, int position)
        {
            var p = position + 1;
            while (p < bytes.Length && (bytes[p] & 0xC0) == 0x80)
            {
                p++;
            }

            return p;
        }
    }

    /// <summary>Cuts the file at any byte, possibly inside a UTF-8 character.</summary>
    private sealed record Truncate(int At) : Mutation
    {
        public override bool IsRaw => true;

        public override byte[] Apply(byte[] input) => input[..(At % (input.Length + 1))];
    }

    /// <summary>Inserts control characters, invalid UTF-8, NULs, BOMs or random bytes at any byte.</summary>
    private sealed record InsertBytes(int At, byte[] Bytes) : Mutation
    {
        public override bool IsRaw => true;

        public override byte[] Apply(byte[] input) => Splice(input, At % (input.Length + 1), 0, Bytes);

        public override string ToString() => $"InsertBytes {{ At = {At}, Bytes = {Convert.ToHexString(Bytes)} }}";
    }
}
