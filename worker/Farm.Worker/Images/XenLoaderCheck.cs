using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Farm.Worker.Images;

/// <summary>
/// Accepts an x86 kernel as Xen's own ELF loader (libelf's <c>elf_xen_parse</c>) does. Its notes come from PT_NOTE
/// segments, else from SHT_NOTE sections (Unikraft's xen/x86_64 puts <c>.note.Xen</c> in no segment), else from the
/// legacy <c>__xen_guest</c> string. A PHYS32_ENTRY note makes a PVH guest and is all PVH needs. A PV guest needs the
/// generic loader (or a Linux guest OS) and Xen 3.0, and no entry note: the entry defaults to <c>e_entry</c>, which
/// must fall inside the loaded image (virtual base and physical offset applied), as the loader's bounds check wants.
/// </summary>
internal static class XenLoaderCheck
{
    private const uint Entry = 1;
    private const uint VirtualBase = 3;
    private const uint PhysicalOffset = 4;
    private const uint XenVersion = 5;
    private const uint GuestOs = 6;
    private const uint Loader = 8;
    private const uint Phys32Entry = 18;

    /// <summary>"pvh" or "pv" and null, or null and the reason Xen's loader refuses the image.</summary>
    public static (string? GuestType, string? Problem) Check(ElfImage elf)
    {
        var notes = elf.Notes.Where(n => n.Name == "Xen").ToList();
        if (notes.Count == 0)
        {
            notes = elf.SectionNotes.Where(n => n.Name == "Xen").ToList();
        }

        Dictionary<string, string>? legacy = null;
        if (notes.Count == 0)
        {
            if (elf.XenGuestString is not { } guest)
            {
                return (null, "no Xen ELF notes (in a PT_NOTE segment or an SHT_NOTE section) and no __xen_guest section: Xen's loader refuses it as not a Xen-ELF image");
            }

            legacy = guest.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(pair => pair.Split('=', 2))
                .GroupBy(pair => pair[0], StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().Length == 2 ? g.First()[1] : string.Empty, StringComparer.Ordinal);
        }

        if (notes.Any(n => n.Type == Phys32Entry))
        {
            return ("pvh", null);
        }

        string Text(uint type, string key) => legacy is not null ? legacy.GetValueOrDefault(key, string.Empty)
            : notes.FirstOrDefault(n => n.Type == type) is { } note ? Encoding.ASCII.GetString(note.Descriptor).Split('\0')[0] : string.Empty;
        ulong? Number(uint type, string key)
        {
            if (legacy is not null)
            {
                var value = legacy.GetValueOrDefault(key);
                return value is not null && ulong.TryParse(value.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? value[2..] : value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
            }

            return notes.FirstOrDefault(n => n.Type == type)?.Descriptor switch
            {
                { Length: 4 } four => BinaryPrimitives.ReadUInt32LittleEndian(four),
                { Length: 8 } eight => BinaryPrimitives.ReadUInt64LittleEndian(eight),
                _ => null,
            };
        }

        var loader = Text(Loader, "LOADER");
        var guestOs = Text(GuestOs, "GUEST_OS");
        if (!loader.StartsWith("generic", StringComparison.Ordinal) && !guestOs.StartsWith("linux", StringComparison.Ordinal))
        {
            return (null, $"Xen's loader takes only images for the generic loader or Linux (this one says loader '{loader}', guest OS '{guestOs}') or with a PVH entry note");
        }

        var version = Text(XenVersion, "XEN_VER");
        if (!version.StartsWith("xen-3.0", StringComparison.Ordinal))
        {
            return (null, $"Xen's loader takes only images built for Xen 3.0 (this one says '{version}')");
        }

        var virtualBase = Number(VirtualBase, "VIRT_BASE");
        var physicalOffset = Number(PhysicalOffset, "ELF_PADDR_OFFSET");
        if (physicalOffset is not null && virtualBase is null)
        {
            return (null, "the PADDR_OFFSET note is set but VIRT_BASE is not, which Xen's loader refuses");
        }

        var loadable = elf.Segments.Where(s => s.Type == ElfImage.SegmentLoad && (s.Flags & 7) != 0).ToList();
        if (loadable.Count == 0)
        {
            return (null, "no loadable segment");
        }

        var start = loadable.Min(s => s.PhysicalAddress);
        var end = loadable.Max(s => s.PhysicalAddress + s.MemorySize);
        var offset = unchecked((virtualBase ?? 0) - (physicalOffset ?? (legacy is not null ? virtualBase ?? 0 : 0)));
        var kernelStart = unchecked(start + offset);
        var kernelEnd = unchecked(end + offset);
        var entry = Number(Entry, "VIRT_ENTRY") ?? elf.Entry;
        if (kernelStart > kernelEnd || entry < kernelStart || entry > kernelEnd || (virtualBase ?? 0) > kernelStart)
        {
            return (null, $"the entry point 0x{entry:x} is outside the image (0x{kernelStart:x}-0x{kernelEnd:x}), which Xen's loader refuses");
        }

        return ("pv", null);
    }
}
