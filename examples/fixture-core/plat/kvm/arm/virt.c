/* KVM/QEMU virt machine on arm64: PL011 console; exit 0 through PSCI
 * SYSTEM_OFF, any other status through semihosting SYS_EXIT (needs
 * -semihosting-config enable=on,target=native). */
#include <stdint.h>
#include <uk/config.h>
#include <uk/plat.h>
#include "fdt.h"

#define PL011_BASE	0x09000000UL
#define PL011_DR	0x00
#define PL011_FR	0x18
#define PL011_FR_TXFF	(1 << 5)

#define PSCI_SYSTEM_OFF	0x84000008UL
#define SEMIHOSTING_SYS_EXIT		0x18
#define ADP_STOPPED_APPLICATION_EXIT	0x20026

static char *argv[] = { CONFIG_UK_NAME, 0 };

void plat_start(const void *dtb)
{
	fdt_boot_info(dtb);
	ukboot_start(1, argv);
}

void plat_console_putc(char c)
{
	volatile uint32_t *fr = (uint32_t *)(PL011_BASE + PL011_FR);
	volatile uint32_t *dr = (uint32_t *)(PL011_BASE + PL011_DR);

	while (*fr & PL011_FR_TXFF)
		;
	*dr = (unsigned char)c;
}

static void psci_system_off(void)
{
	register unsigned long x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	__asm__ __volatile__("hvc #0" : "+r"(x0) : : "memory");
}

static void semihosting_exit(int status)
{
	unsigned long block[2] = { ADP_STOPPED_APPLICATION_EXIT,
				   (unsigned long)status };
	register unsigned long x0 __asm__("x0") = SEMIHOSTING_SYS_EXIT;
	register unsigned long x1 __asm__("x1") = (unsigned long)block;

	__asm__ __volatile__("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
}

void plat_exit(int status)
{
	static int exiting;

	/* if semihosting is off, hlt traps and we come back here: power off */
	if (status != 0 && !exiting++)
		semihosting_exit(status);
	psci_system_off();
	for (;;)
		__asm__ __volatile__("wfi");
}
