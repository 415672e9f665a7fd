using System.Buffers.Binary;
using Farm.Worker.Images;

namespace Farm.Worker.Capabilities;

/// <summary>
/// The smallest kernels that prove a hypervisor runs guest code: each writes 'K' to the serial port and exits
/// with a known status (x86_64: multiboot ELF32, isa-debug-exit 0x2a → QEMU exit 85; arm64: ELF64 for
/// <c>-M virt</c>, PL011 then PSCI SYSTEM_OFF → exit 0). Generated here, byte by byte, so that a worker can probe
/// before it has built anything.
/// </summary>
internal static class ProbeKernel
{
    public const int X8664ExpectedExitCode = (0x2a << 1) | 1;
    public const char Marker = 'K';

    private const uint X86LoadAddress = 0x100000;
    private const ulong Arm64LoadAddress = 0x40080000;

    /// <summary>What <see cref="X8664CpuFeatures"/> prints after <see cref="Marker"/> for each feature the CPU has.</summary>
    public static readonly IReadOnlyDictionary<char, string> FeatureLetters = new Dictionary<char, string> { ['R'] = "rdrand", ['S'] = "rdseed" };

    public static byte[] X8664() => X8664Image(
    [
        0x66, 0xBA, 0xF8, 0x03, // mov dx, 0x3f8 (COM1)
        0xB0, (byte)Marker,     // mov al, 'K'
        0xEE,                   // out dx, al
        0xB0, 0x2A,             // mov al, 0x2a
        0xE6, 0xF4,             // out 0xf4, al (isa-debug-exit)
        0xF4,                   // hlt
        0xEB, 0xFD,             // jmp back to hlt
    ]);

    /// <summary>
    /// Like <see cref="X8664"/>, then asks CPUID what Unikraft's x86_64 random number support needs and prints 'R' for
    /// RDRAND (leaf 1, ECX bit 30) and 'S' for RDSEED (leaf 7, EBX bit 18; only when leaf 7 exists).
    /// </summary>
    public static byte[] X8664CpuFeatures() => X8664Image(
    [
        0x66, 0xBA, 0xF8, 0x03,       // mov dx, 0x3f8
        0xB0, (byte)Marker,           // mov al, 'K'
        0xEE,                         // out dx, al
        0xB8, 0x01, 0x00, 0x00, 0x00, // mov eax, 1
        0x0F, 0xA2,                   // cpuid
        0x89, 0xCE,                   // mov esi, ecx
        0x31, 0xFF,                   // xor edi, edi
        0x31, 0xC0,                   // xor eax, eax
        0x0F, 0xA2,                   // cpuid (highest leaf in eax)
        0x83, 0xF8, 0x07,             // cmp eax, 7
        0x72, 0x0B,                   // jb +11 (no leaf 7)
        0xB8, 0x07, 0x00, 0x00, 0x00, // mov eax, 7
        0x31, 0xC9,                   // xor ecx, ecx
        0x0F, 0xA2,                   // cpuid
        0x89, 0xDF,                   // mov edi, ebx
        0x66, 0xBA, 0xF8, 0x03,       // mov dx, 0x3f8 (cpuid clobbered edx)
        0x0F, 0xBA, 0xE6, 0x1E,       // bt esi, 30 (RDRAND)
        0x73, 0x03,                   // jnc +3
        0xB0, (byte)'R',              // mov al, 'R'
        0xEE,                         // out dx, al
        0x0F, 0xBA, 0xE7, 0x12,       // bt edi, 18 (RDSEED)
        0x73, 0x03,                   // jnc +3
        0xB0, (byte)'S',              // mov al, 'S'
        0xEE,                         // out dx, al
        0xB0, 0x2A,                   // mov al, 0x2a
        0xE6, 0xF4,                   // out 0xf4, al (isa-debug-exit)
        0xF4,                         // hlt
        0xEB, 0xFD,                   // jmp back to hlt
    ]);

    private static byte[] X8664Image(byte[] code)
    {
        const int headers = 52 + 32;
        var image = new byte[headers + 12 + code.Length];
        var span = image.AsSpan();
        WriteIdent(span, elfClass: 1);
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2);   // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], 3);   // EM_386
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(span[24..], X86LoadAddress + headers + 12); // entry
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], 52);  // phoff
        BinaryPrimitives.WriteUInt16LittleEndian(span[40..], 52);  // ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(span[42..], 32);  // phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(span[44..], 1);   // phnum
        var ph = span[52..];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);           // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[8..], X86LoadAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[12..], X86LoadAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[16..], (uint)image.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[20..], (uint)image.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(ph[24..], 5);     // R+X
        BinaryPrimitives.WriteUInt32LittleEndian(ph[28..], 4);
        var multiboot = span[headers..];
        BinaryPrimitives.WriteUInt32LittleEndian(multiboot, 0x1BADB002);
        BinaryPrimitives.WriteUInt32LittleEndian(multiboot[4..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(multiboot[8..], unchecked(0u - 0x1BADB002));
        code.CopyTo(span[(headers + 12)..]);
        return image;
    }

    public static byte[] Arm64()
    {
        uint[] instructions =
        [
            0xD2A12000, // movz x0, #0x0900, lsl #16   (PL011 at 0x09000000)
            0x52800000 | ((uint)Marker << 5) | 1, // movz w1, #'K'
            0x39000001, // strb w1, [x0]
            0x52800100, // movz w0, #0x0008
            0x72B08000, // movk w0, #0x8400, lsl #16   (PSCI SYSTEM_OFF 0x84000008)
            0xD4000002, // hvc #0
            0x14000000, // b .
        ];
        const int headers = 64 + 56;
        var image = new byte[headers + (instructions.Length * 4)];
        var span = image.AsSpan();
        WriteIdent(span, elfClass: 2);
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2);   // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], 183); // EM_AARCH64
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], Arm64LoadAddress + headers);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], 64);  // phoff
        BinaryPrimitives.WriteUInt16LittleEndian(span[52..], 64);  // ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(span[54..], 56);  // phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(span[56..], 1);   // phnum
        var ph = span[64..];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);           // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5);      // R+X
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], Arm64LoadAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], Arm64LoadAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)image.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], (ulong)image.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 4);
        for (var i = 0; i < instructions.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[(headers + (i * 4))..], instructions[i]);
        }

        return image;
    }

    private static void WriteIdent(Span<byte> span, byte elfClass)
    {
        ElfImage.Magic.CopyTo(span);
        span[4] = elfClass;
        span[5] = 1; // little-endian
        span[6] = 1; // version
    }
}
