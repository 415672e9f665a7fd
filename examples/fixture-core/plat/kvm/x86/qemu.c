/* KVM/QEMU on x86_64: console on COM1, exit through isa-debug-exit. */
#include <uk/config.h>
#include <uk/plat.h>
#include <uk/x86/io.h>

static char *argv[] = { CONFIG_UK_NAME, 0 };

void plat_start(unsigned long magic __unused, unsigned long info __unused)
{
	serial_init();
	x86_traps_init();
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
