/* KVM/Firecracker on x86_64: console on COM1, exit through an i8042 reset
 * (Firecracker stops the VM when the guest resets it). */
#include <uk/config.h>
#include <uk/plat.h>
#include "../../common/x86/pvh_info.h"
#include <stdio.h>
#include <uk/x86/io.h>

static char *argv[] = { CONFIG_UK_NAME, 0 };

void plat_start(unsigned long magic __unused, unsigned long info)
{
	serial_init();
	x86_traps_init();
	pvh_boot_info(info);
	ukboot_start(1, argv);
}

void plat_console_putc(char c)
{
	serial_putc(c);
}

void plat_exit(int status)
{
	/* Firecracker cannot report a status, so print a non-zero one. */
	if (status)
		printf("[fixture] exit status %d\n", status);
	outb(0x64, 0xfe);
	x86_halt();
}
