using System.Buffers.Binary;
using Farm.Core.Kraftfiles;

namespace Farm.Worker.Images;

/// <summary>
/// Checks that a kernel is in the format its platform's loader takes, without booting it: a multiboot header
/// for QEMU x86_64, an aarch64 ELF or arm64 Image for QEMU virt, a static ELF for linuxu, an ELF64 with a Xen PVH
/// entry note (or a vmlinux-style ELF64) for Firecracker, and PVH or PV notes for Xen. This is what stands in
/// for a boot where the host has no Firecracker or Xen.
/// </summary>
internal static class KernelImageInspector
{
    private const uint MultibootMagic = 0x1BADB002;
    private const uint Multiboot2Magic = 0xE85250D6;
    private const uint XenElfNotePhys32Entry = 18;
    private const ulong HighMemoryStart = 0x100000;

    public static KernelImageCheck Inspect(string path, string platform, string architecture)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (IOException ex)
        {
            return new KernelImageCheck("unreadable", ex.Message);
        }

        return Inspect(file, platform, architecture);
    }

    public static KernelImageCheck Inspect(byte[] file, string platform, string architecture)
    {
        var elf = ElfImage.TryRead(file);
        var describe = elf is null ? (IsArm64Image(file) ? "arm64 Image" : "not an ELF file") : $"ELF{elf.Class} {MachineName(elf.Machine)}";
        var wantedMachine = architecture == Architectures.Arm64 ? ElfImage.MachineAarch64 : ElfImage.MachineX8664;

        return (platform, architecture) switch
        {
            (Platforms.Qemu, Architectures.X8664) => HasMultiboot(file) ? new($"{describe}, multiboot", null)
                : HasNote(elf, "Xen", XenElfNotePhys32Entry) ? new($"{describe}, PVH entry note", null)
                : new(describe, "no multiboot header in the first 8 KiB and no PVH note: qemu-system-x86_64 -kernel cannot boot it"),
            (Platforms.Qemu or Platforms.Firecracker, Architectures.Arm64) => IsArm64Image(file) ? new("arm64 Image", null)
                : elf?.Machine == ElfImage.MachineAarch64 ? new(describe, null)
                : new(describe, "expected an aarch64 ELF or an arm64 Image"),
            (Platforms.Linuxu, _) => elf is null || elf.Machine != wantedMachine ? new(describe, $"expected an ELF for {architecture} to run as a process")
                : elf.Segments.Any(s => s.Type == ElfImage.SegmentInterpreter) ? new(describe, "dynamically linked (has an interpreter); a linuxu kernel must be static")
                : new($"{describe}, static executable", null),
            (Platforms.Firecracker, Architectures.X8664) => elf is not { Class: 64, Machine: ElfImage.MachineX8664 } ? new(describe, "Firecracker loads an ELF64 x86_64 kernel")
                : HasNote(elf, "Xen", XenElfNotePhys32Entry) ? new($"{describe}, PVH entry note", null)
                : elf.Segments.Where(s => s.Type == ElfImage.SegmentLoad).All(s => s.PhysicalAddress >= HighMemoryStart) ? new($"{describe}, vmlinux layout", null)
                : new(describe, "no PVH note, and a segment loads below 1 MiB, which Firecracker refuses"),
            (Platforms.Xen, _) => elf is null ? new(describe, "Xen loads ELF kernels")
                : XenLoaderCheck.Check(elf) switch
                {
                    ("pvh", _) => new($"{describe}, Xen PVH entry note", null) { XenGuestType = "pvh" },
                    ("pv", _) => new($"{describe}, Xen PV notes", null) { XenGuestType = "pv" },
                    (_, var problem) => new(describe, problem),
                },
            _ => new(describe, $"no loader known for {platform}/{architecture}"),
        };
    }

    private static bool HasMultiboot(byte[] file)
    {
        var window = Math.Min(file.Length, 8192);
        for (var at = 0; at + 12 <= window; at += 4)
        {
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
            if (magic == MultibootMagic)
            {
                var flags = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 4));
                var checksum = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8));
                if (unchecked(magic + flags + checksum) == 0)
                {
                    return true;
                }
            }

            if (magic == Multiboot2Magic && at + 16 <= window && at % 8 == 0)
            {
                var arch = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 4));
                var length = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 8));
                var checksum = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 12));
                if (unchecked(magic + arch + length + checksum) == 0)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool HasNote(ElfImage? elf, string name, uint type) => elf?.Notes.Any(n => n.Name == name && n.Type == type) == true;

    // The arm64 Linux boot protocol's Image header carries "ARM\x64" at offset 56.
    private static bool IsArm64Image(byte[] file) => file.Length >= 64 && file.AsSpan(56, 4).SequenceEqual("ARM\x64"u8);

    private static string MachineName(int machine) => machine switch
    {
        ElfImage.MachineX86 => "i386",
        ElfImage.MachineX8664 => "x86_64",
        ElfImage.MachineAarch64 => "aarch64",
        _ => $"machine {machine}",
    };
}
