using System.Buffers.Binary;
using System.Text;

namespace Farm.Worker.Images;

/// <summary>
/// The parts of an ELF file a boot loader looks at: class, machine, type, entry, program headers and the notes
/// they carry. Parsing is bounds-checked: a truncated or hostile file gives <c>null</c>, never an exception.
/// </summary>
internal sealed record ElfImage(int Class, int Machine, int Type, ulong Entry, IReadOnlyList<ElfSegment> Segments, IReadOnlyList<ElfNote> Notes)
{
    /// <summary>Notes of <c>SHT_NOTE</c> sections (a linker script may put <c>.note.Xen</c> in no PT_NOTE segment).</summary>
    public IReadOnlyList<ElfNote> SectionNotes { get; init; } = [];

    /// <summary>The legacy <c>__xen_guest</c> section's string (<c>GUEST_OS=...,XEN_VER=...</c>), when there is one.</summary>
    public string? XenGuestString { get; init; }

    public const int SectionNote = 7;

    public const int MachineX86 = 3;

    // Written out: in a C# string "\x7fELF" would read as the one character U+7FE followed by "LF".
    public static ReadOnlySpan<byte> Magic => [0x7F, (byte)'E', (byte)'L', (byte)'F'];
    public const int MachineX8664 = 62;
    public const int MachineAarch64 = 183;
    public const int SegmentLoad = 1;
    public const int SegmentInterpreter = 3;
    public const int SegmentNote = 4;

    public static ElfImage? TryRead(ReadOnlySpan<byte> file)
    {
        if (file.Length < 52 || !file[..4].SequenceEqual(Magic) || file[5] != 1)
        {
            return null; // Not ELF, or big-endian (no target of ours is).
        }

        var is64 = file[4] == 2;
        if (!is64 && file[4] != 1 || is64 && file.Length < 64)
        {
            return null;
        }

        var type = BinaryPrimitives.ReadUInt16LittleEndian(file[16..]);
        var machine = BinaryPrimitives.ReadUInt16LittleEndian(file[18..]);
        var entry = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(file[24..]) : BinaryPrimitives.ReadUInt32LittleEndian(file[24..]);
        var phoff = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(file[32..]) : BinaryPrimitives.ReadUInt32LittleEndian(file[28..]);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[(is64 ? 54 : 42)..]);
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(file[(is64 ? 56 : 44)..]);
        if (phentsize < (is64 ? 56 : 32) || phoff > (ulong)file.Length || (ulong)phnum * (ulong)phentsize > (ulong)file.Length - phoff)
        {
            return null;
        }

        var segments = new List<ElfSegment>();
        var notes = new List<ElfNote>();
        for (var i = 0; i < phnum; i++)
        {
            var header = file[(int)(phoff + (ulong)(i * phentsize))..];
            var segment = is64
                ? new ElfSegment(
                    BinaryPrimitives.ReadUInt32LittleEndian(header),
                    BinaryPrimitives.ReadUInt64LittleEndian(header[8..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(header[24..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(header[32..]))
                {
                    Flags = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]),
                    MemorySize = BinaryPrimitives.ReadUInt64LittleEndian(header[40..]),
                }
                : new ElfSegment(
                    BinaryPrimitives.ReadUInt32LittleEndian(header),
                    BinaryPrimitives.ReadUInt32LittleEndian(header[4..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(header[12..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(header[16..]))
                {
                    Flags = BinaryPrimitives.ReadUInt32LittleEndian(header[24..]),
                    MemorySize = BinaryPrimitives.ReadUInt32LittleEndian(header[20..]),
                };
            segments.Add(segment);
            if (segment.Type == SegmentNote && segment.Offset <= (ulong)file.Length && segment.FileSize <= (ulong)file.Length - segment.Offset)
            {
                ReadNotes(file.Slice((int)segment.Offset, (int)segment.FileSize), notes);
            }
        }

        var (sectionNotes, guest) = ReadSections(file, is64);
        return new ElfImage(is64 ? 64 : 32, machine, type, entry, segments, notes) { SectionNotes = sectionNotes, XenGuestString = guest };
    }

    /// <summary>Notes of SHT_NOTE sections and the <c>__xen_guest</c> string; nothing when the section table is absent or out of bounds.</summary>
    private static (List<ElfNote> Notes, string? XenGuest) ReadSections(ReadOnlySpan<byte> file, bool is64)
    {
        var notes = new List<ElfNote>();
        var shoff = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(file[40..]) : BinaryPrimitives.ReadUInt32LittleEndian(file[32..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[(is64 ? 58 : 46)..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(file[(is64 ? 60 : 48)..]);
        int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(file[(is64 ? 62 : 50)..]);
        if (shoff == 0 || shentsize < (is64 ? 64 : 40) || shoff > (ulong)file.Length || (ulong)shnum * (ulong)shentsize > (ulong)file.Length - shoff)
        {
            return (notes, null);
        }

        (uint Name, uint Type, ulong Offset, ulong Size) Section(ReadOnlySpan<byte> image, int index)
        {
            var header = image[(int)(shoff + (ulong)(index * shentsize))..];
            return is64
                ? (BinaryPrimitives.ReadUInt32LittleEndian(header), BinaryPrimitives.ReadUInt32LittleEndian(header[4..]), BinaryPrimitives.ReadUInt64LittleEndian(header[24..]), BinaryPrimitives.ReadUInt64LittleEndian(header[32..]))
                : (BinaryPrimitives.ReadUInt32LittleEndian(header), BinaryPrimitives.ReadUInt32LittleEndian(header[4..]), BinaryPrimitives.ReadUInt32LittleEndian(header[16..]), BinaryPrimitives.ReadUInt32LittleEndian(header[20..]));
        }

        bool InFile(ulong offset, ulong size, int length) => offset <= (ulong)length && size <= (ulong)length - offset;
        var names = shstrndx < shnum && Section(file, shstrndx) is var strings && InFile(strings.Offset, strings.Size, file.Length)
            ? file.Slice((int)strings.Offset, (int)strings.Size)
            : [];
        string? guest = null;
        for (var i = 1; i < shnum; i++)
        {
            var section = Section(file, i);
            if (!InFile(section.Offset, section.Size, file.Length))
            {
                continue;
            }

            var data = file.Slice((int)section.Offset, (int)section.Size);
            if (section.Type == SectionNote)
            {
                ReadNotes(data, notes);
            }
            else if (section.Name < names.Length && names[(int)section.Name..] is var rest && rest.IndexOf((byte)0) is var end and >= 0
                && rest[..end].SequenceEqual("__xen_guest"u8))
            {
                var text = data.IndexOf((byte)0) is var nul and >= 0 ? data[..nul] : data;
                guest = Encoding.ASCII.GetString(text[..Math.Min(text.Length, 1024)]);
            }
        }

        return (notes, guest);
    }

    private static void ReadNotes(ReadOnlySpan<byte> data, List<ElfNote> notes)
    {
        var at = 0;
        while (at + 12 <= data.Length)
        {
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(data[at..]);
            var descSize = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 4)..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(data[(at + 8)..]);
            var nameEnd = (long)at + 12 + nameSize;
            var descStart = Align4(nameEnd);
            var descEnd = descStart + descSize;
            if (descEnd > data.Length)
            {
                return;
            }

            var name = Encoding.ASCII.GetString(data[(at + 12)..(int)nameEnd]).TrimEnd('\0');
            notes.Add(new ElfNote(name, type, data[(int)descStart..(int)descEnd].ToArray()));
            at = (int)Align4(descEnd);
        }
    }

    private static long Align4(long value) => (value + 3) & ~3L;
}

internal sealed record ElfSegment(uint Type, ulong Offset, ulong PhysicalAddress, ulong FileSize)
{
    public uint Flags { get; init; }

    public ulong MemorySize { get; init; }
}

internal sealed record ElfNote(string Name, uint Type, byte[] Descriptor);
