/* KVM/QEMU on x86_64: console on COM1, exit through isa-debug-exit. */
#include <stdint.h>
#include <uk/config.h>
#include <uk/plat.h>
#include <uk/x86/io.h>

#define MULTIBOOT_BOOTLOADER_MAGIC	0x2badb002
#define MULTIBOOT_INFO_CMDLINE		(1 << 2)
#define MULTIBOOT_INFO_MODS		(1 << 3)

/* The start of the multiboot v1 information structure. */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
};

struct multiboot_module {
	uint32_t mod_start;
	uint32_t mod_end;
	uint32_t string;
	uint32_t reserved;
};

static char *argv[] = { CONFIG_UK_NAME, 0 };

/* QEMU's -append arrives as "<kernel path> <append>"; -initrd as the first
 * module.  All of it lies below 1 GiB, which entry32.S identity-maps. */
static void multiboot_boot_info(unsigned long magic, unsigned long info)
{
	const struct multiboot_info *mbi = (const struct multiboot_info *)info;
	const char *cmdline;

	if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !mbi)
		return;
	if (mbi->flags & MULTIBOOT_INFO_CMDLINE && mbi->cmdline) {
		cmdline = (const char *)(unsigned long)mbi->cmdline;
		while (*cmdline && *cmdline != ' ')
			cmdline++;	/* the kernel's path */
		ukboot_set_cmdline(cmdline);
	}
	if (mbi->flags & MULTIBOOT_INFO_MODS && mbi->mods_count > 0) {
		const struct multiboot_module *mod =
			(const struct multiboot_module *)(unsigned long)mbi->mods_addr;

		if (mod->mod_end > mod->mod_start)
			ukboot_set_initrd((const void *)(unsigned long)mod->mod_start,
					  mod->mod_end - mod->mod_start);
	}
}

void plat_start(unsigned long magic, unsigned long info)
{
	serial_init();
	x86_traps_init();
	multiboot_boot_info(magic, info);
	ukboot_start(1, argv);
}

void plat_console_putc(char c)
{
	serial_putc(c);
}

void plat_exit(int status)
{
	/* -device isa-debug-exit,iobase=0xf4,iosize=0x04: QEMU exits with
	 * (status << 1) | 1. */
	outl(0xf4, (unsigned int)status);
	/* Without that device: reset through the keyboard controller, which
	 * ends QEMU when it runs with -no-reboot. */
	outb(0x64, 0xfe);
	x86_halt();
}
