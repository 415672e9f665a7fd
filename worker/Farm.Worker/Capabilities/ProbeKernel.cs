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

    public static byte[] X8664()
    {
        byte[] code =
        [
            0x66, 0xBA, 0xF8, 0x03, // mov dx, 0x3f8 (COM1)
            0xB0, (byte)Marker,     // mov al, 'K'
            0xEE,                   // out dx, al
            0xB0, 0x2A,             // mov al, 0x2a
            0xE6, 0xF4,             // out 0xf4, al (isa-debug-exit)
            0xF4,                   // hlt
            0xEB, 0xFD,             // jmp back to hlt
        ];
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
