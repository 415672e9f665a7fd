using Farm.Worker.Capabilities;
using Farm.Worker.Images;

namespace Farm.Worker.Tests.Images;

/// <summary>Structural checks of kernel formats, on generated images and on files that are not kernels.</summary>
public sealed class KernelImageInspectorTests
{
    [Fact]
    public void Inspect_MultibootElf_IsBootableOnQemuX8664ButNotOnFirecracker()
    {
        var kernel = ProbeKernel.X8664();

        Assert.Equal("ELF32 i386, multiboot", KernelImageInspector.Inspect(kernel, "qemu", "x86_64").Format);
        Assert.True(KernelImageInspector.Inspect(kernel, "qemu", "x86_64").Bootable);
        Assert.Equal("Firecracker loads an ELF64 x86_64 kernel", KernelImageInspector.Inspect(kernel, "fc", "x86_64").Problem);
    }

    [Fact]
    public void Inspect_Aarch64Elf_IsBootableOnQemuArm64Only()
    {
        var kernel = ProbeKernel.Arm64();

        Assert.True(KernelImageInspector.Inspect(kernel, "qemu", "arm64").Bootable);
        Assert.False(KernelImageInspector.Inspect(kernel, "qemu", "x86_64").Bootable);
        Assert.False(KernelImageInspector.Inspect(kernel, "linuxu", "x86_64").Bootable);
    }

    [Fact]
    public void Inspect_DynamicallyLinkedProgram_IsRefusedForLinuxu()
    {
        var check = KernelImageInspector.Inspect("/bin/sh", "linuxu", "x86_64");

        Assert.Equal("dynamically linked (has an interpreter); a linuxu kernel must be static", check.Problem);
    }

    [Fact]
    public void Inspect_XenImageWithoutNotes_SaysWhichNotesAreMissing()
    {
        var check = KernelImageInspector.Inspect(ProbeKernel.Arm64(), "xen", "x86_64");

        Assert.StartsWith("no Xen ELF notes", check.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(51)]
    [InlineData(60)]
    [InlineData(200)]
    public void Inspect_TruncatedElf_IsNotBootableAndDoesNotThrow(int length)
    {
        var kernel = ProbeKernel.X8664()[..Math.Min(length, ProbeKernel.X8664().Length)];

        var check = KernelImageInspector.Inspect(kernel, "fc", "x86_64");

        Assert.False(check.Bootable);
    }

    [Fact]
    public void Inspect_ElfWithHostileProgramHeaderCount_IsNotBootable()
    {
        var kernel = ProbeKernel.Arm64();
        kernel[56] = 0xFF;
        kernel[57] = 0xFF;

        Assert.False(KernelImageInspector.Inspect(kernel, "xen", "x86_64").Bootable);
    }

    [Fact]
    public void Inspect_TextFile_IsNotAnElfFile()
    {
        var check = KernelImageInspector.Inspect("Hello, world!\n"u8.ToArray(), "qemu", "arm64");

        Assert.Equal("not an ELF file", check.Format);
        Assert.False(check.Bootable);
    }
}
