using System.Buffers.Binary;
using System.Text;

namespace Farm.Worker.Tests.Images;

/// <summary>
/// Builds ELF64 x86_64 kernels as Unikraft's xen/x86_64 link lays them out: loadable segments, no PT_NOTE segment,
/// and the Xen notes in an SHT_NOTE section <c>.note.Xen</c> (or a legacy <c>__xen_guest</c> string section).
/// </summary>
internal static class SyntheticXenElf
{
    public const uint Entry = 1, HypercallPage = 2, VirtualBase = 3, PaddrOffset = 4, XenVersion = 5, GuestOs = 6, Loader = 8, Phys32Entry = 18;

    public static byte[] StringNote(string text) => Encoding.ASCII.GetBytes(text + "\0");

    public static byte[] NumberNote(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>The notes a real Unikraft 0.17 xen/x86_64 kernel carries: guest OS, loader, hypercall page, Xen version.</summary>
    public static (uint Type, byte[] Descriptor)[] UnikraftPvNotes() =>
    [
        (GuestOs, StringNote("Unikraft")),
        (Loader, StringNote("generic")),
        (HypercallPage, NumberNote(0x2000)),
        (XenVersion, StringNote("xen-3.0")),
    ];

    public static byte[] Build(ulong entry, ulong loadAddress, ulong memorySize, (uint Type, byte[] Descriptor)[] notes, string? xenGuest = null)
    {
        var noteData = new MemoryStream();
        foreach (var (type, descriptor) in notes)
        {
            var header = new byte[12];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 4);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)descriptor.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), type);
            noteData.Write(header);
            noteData.Write("Xen\0"u8);
            noteData.Write(descriptor);
            while (noteData.Length % 4 != 0)
            {
                noteData.WriteByte(0);
            }
        }

        var sectionName = xenGuest is null ? ".note.Xen" : "__xen_guest";
        var sectionData = xenGuest is null ? noteData.ToArray() : Encoding.ASCII.GetBytes(xenGuest + "\0");
        var names = Encoding.ASCII.GetBytes($"\0{sectionName}\0.shstrtab\0");
        const int headers = 64 + 56;
        var dataAt = 0x100;
        var namesAt = dataAt + sectionData.Length;
        var sectionsAt = (namesAt + names.Length + 7) & ~7;
        var image = new byte[sectionsAt + (3 * 64)];
        var span = image.AsSpan();
        new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }.CopyTo(span);
        span[4] = 2;
        span[5] = 1;
        span[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], 62);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], entry);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], 64);
        BinaryPrimitives.WriteUInt64LittleEndian(span[40..], (ulong)sectionsAt);
        BinaryPrimitives.WriteUInt16LittleEndian(span[52..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(span[54..], 56);
        BinaryPrimitives.WriteUInt16LittleEndian(span[56..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(span[58..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(span[60..], 3);
        BinaryPrimitives.WriteUInt16LittleEndian(span[62..], 2);
        var load = span[64..];
        BinaryPrimitives.WriteUInt32LittleEndian(load, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(load[4..], 5);
        BinaryPrimitives.WriteUInt64LittleEndian(load[16..], loadAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(load[24..], loadAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(load[32..], (ulong)headers);
        BinaryPrimitives.WriteUInt64LittleEndian(load[40..], memorySize);
        sectionData.CopyTo(span[dataAt..]);
        names.CopyTo(span[namesAt..]);
        var notesSection = span[(sectionsAt + 64)..];
        BinaryPrimitives.WriteUInt32LittleEndian(notesSection, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(notesSection[4..], xenGuest is null ? 7u : 1u);
        BinaryPrimitives.WriteUInt64LittleEndian(notesSection[24..], (ulong)dataAt);
        BinaryPrimitives.WriteUInt64LittleEndian(notesSection[32..], (ulong)sectionData.Length);
        var namesSection = span[(sectionsAt + 128)..];
        BinaryPrimitives.WriteUInt32LittleEndian(namesSection, (uint)(sectionName.Length + 2));
        BinaryPrimitives.WriteUInt32LittleEndian(namesSection[4..], 3);
        BinaryPrimitives.WriteUInt64LittleEndian(namesSection[24..], (ulong)namesAt);
        BinaryPrimitives.WriteUInt64LittleEndian(namesSection[32..], (ulong)names.Length);
        return image;
    }
}
