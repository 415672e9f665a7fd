using Farm.Worker.Images;
using static Farm.Worker.Tests.Images.SyntheticXenElf;

namespace Farm.Worker.Tests.Images;

/// <summary>
/// Xen kernels are accepted or refused as Xen's loader (libelf) accepts or refuses them: what a user on a Xen host
/// would see from <c>xl create</c>, checked without Xen.
/// </summary>
public sealed class XenLoaderCheckTests
{
    [Fact]
    public void Inspect_UnikraftPvKernelWithoutEntryNote_IsAPvGuestEnteredAtEEntry()
    {
        // Unikraft 0.17's xen/x86_64: .note.Xen in a section only, no entry note, linked at 0 with e_entry 0.
        var kernel = Build(entry: 0, loadAddress: 0, memorySize: 0x64000, UnikraftPvNotes());

        var check = KernelImageInspector.Inspect(kernel, "xen", "x86_64");

        Assert.Null(check.Problem);
        Assert.Equal("pv", check.XenGuestType);
        Assert.Equal("ELF64 x86_64, Xen PV notes", check.Format);
    }

    [Fact]
    public void Inspect_Phys32EntryNoteAlone_IsAPvhGuest()
    {
        var kernel = Build(entry: 0x100000, loadAddress: 0x100000, memorySize: 0x1000, [(Phys32Entry, [0x00, 0x00, 0x10, 0x00])]);

        Assert.Equal("pvh", KernelImageInspector.Inspect(kernel, "xen", "x86_64").XenGuestType);
    }

    [Fact]
    public void Inspect_LoaderNeitherGenericNorLinux_IsRefusedAsXenRefusesIt()
    {
        var kernel = Build(0, 0, 0x1000, [(GuestOs, StringNote("Unikraft")), (Loader, StringNote("custom")), (XenVersion, StringNote("xen-3.0"))]);

        var check = KernelImageInspector.Inspect(kernel, "xen", "x86_64");

        Assert.False(check.Bootable);
        Assert.Contains("generic loader or Linux", check.Problem, StringComparison.Ordinal);
        Assert.Contains("'custom'", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_GuestOsLinuxWithoutLoader_IsAccepted()
    {
        var kernel = Build(0x1000, 0, 0x2000, [(GuestOs, StringNote("linux")), (XenVersion, StringNote("xen-3.0"))]);

        Assert.Equal("pv", KernelImageInspector.Inspect(kernel, "xen", "x86_64").XenGuestType);
    }

    [Fact]
    public void Inspect_WrongXenVersion_IsRefused()
    {
        var kernel = Build(0, 0, 0x1000, [(Loader, StringNote("generic")), (XenVersion, StringNote("xen-2.0"))]);

        Assert.Equal("Xen's loader takes only images built for Xen 3.0 (this one says 'xen-2.0')", KernelImageInspector.Inspect(kernel, "xen", "x86_64").Problem);
    }

    [Theory]
    [InlineData(0x80000UL, false)]   // e_entry beyond the image
    [InlineData(0x3000UL, true)]     // inside
    public void Inspect_EntryOutsideTheImage_IsRefusedByTheBoundsCheck(ulong entry, bool accepted)
    {
        var kernel = Build(entry, 0, 0x4000, UnikraftPvNotes());

        var check = KernelImageInspector.Inspect(kernel, "xen", "x86_64");

        Assert.Equal(accepted, check.Bootable);
        if (!accepted)
        {
            Assert.Contains("outside the image", check.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Inspect_EntryNoteOverridesEEntry()
    {
        var kernel = Build(entry: 0x999999, 0, 0x4000, [.. UnikraftPvNotes(), (Entry, NumberNote(0x10))]);

        Assert.True(KernelImageInspector.Inspect(kernel, "xen", "x86_64").Bootable);
    }

    [Fact]
    public void Inspect_VirtualBaseShiftsTheImage()
    {
        // Linked at 0xffffffff80000000 virtually, physical addresses from 0: the entry is virtual.
        const ulong Base = 0xffffffff80000000;
        var kernel = Build(Base + 0x100, 0, 0x4000, [.. UnikraftPvNotes(), (VirtualBase, NumberNote(Base))]);
        var shifted = Build(0x100, 0, 0x4000, [.. UnikraftPvNotes(), (VirtualBase, NumberNote(Base))]);
        var orphan = Build(0x100, 0, 0x4000, [.. UnikraftPvNotes(), (PaddrOffset, NumberNote(Base))]);

        Assert.True(KernelImageInspector.Inspect(kernel, "xen", "x86_64").Bootable);
        Assert.False(KernelImageInspector.Inspect(shifted, "xen", "x86_64").Bootable);
        Assert.Contains("VIRT_BASE is not", KernelImageInspector.Inspect(orphan, "xen", "x86_64").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_LegacyXenGuestString_IsRead()
    {
        var accepted = Build(0x10, 0, 0x1000, [], xenGuest: "GUEST_OS=Mini-OS,XEN_VER=xen-3.0,VIRT_BASE=0x0,ELF_PADDR_OFFSET=0x0,LOADER=generic");
        var refused = Build(0x10, 0, 0x1000, [], xenGuest: "GUEST_OS=Mini-OS,XEN_VER=xen-3.0");

        Assert.Equal("pv", KernelImageInspector.Inspect(accepted, "xen", "x86_64").XenGuestType);
        Assert.False(KernelImageInspector.Inspect(refused, "xen", "x86_64").Bootable);
    }

    [Fact]
    public void Inspect_NoNotesAtAll_SaysXenRefusesIt()
    {
        var kernel = Build(0, 0, 0x1000, []);

        var problem = KernelImageInspector.Inspect(kernel, "xen", "x86_64").Problem;

        Assert.StartsWith("no Xen ELF notes", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_SectionTableOutOfBounds_IsRefusedWithoutThrowing()
    {
        var kernel = Build(0, 0, 0x1000, UnikraftPvNotes());
        kernel[40] = 0xF0; // e_shoff far beyond the file
        kernel[41] = 0xFF;

        Assert.False(KernelImageInspector.Inspect(kernel, "xen", "x86_64").Bootable);
    }
}
