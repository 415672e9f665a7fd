/* Xen PVH on x86_64: console on COM1 and the 0xe9 debug port. */
#include <uk/config.h>
#include <uk/plat.h>
#include "../../common/x86/pvh_info.h"
#include <uk/x86/io.h>
#include <stdio.h>

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
	outb(0xe9, (unsigned char)c);	/* Xen (and QEMU -debugcon) debug port */
	serial_putc(c);
}

void plat_exit(int status)
{
	if (status)
		printf("[fixture] exit status %d\n", status);
	/* No hypercalls here: when tried under QEMU the isa-debug-exit device
	 * ends the run; under Xen the domain just halts. */
	outl(0xf4, (unsigned int)status);
	x86_halt();
}
