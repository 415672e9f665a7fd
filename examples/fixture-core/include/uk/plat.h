#ifndef __UK_PLAT_H__
#define __UK_PLAT_H__

/* The interface between the common code (lib/) and a platform (plat/). */

#include <uk/essentials.h>

/* Provided by every platform. */
void plat_console_putc(char c);
void plat_exit(int status) __noreturn;

/* Provided by lib/ukboot: the platform's entry code calls ukboot_start()
 * once the console works; traps call ukboot_crash(), which prints a
 * "CRIT: crash:" line and exits with status 127. */
void ukboot_start(int argc, char *argv[]) __noreturn;

/* Optional, before ukboot_start(): what the boot loader handed over.  The
 * command line's words (after a "--", if there is one) become argv[1..];
 * the initrd is a cpio newc archive that <uk/initrd.h> reads. */
void ukboot_set_cmdline(const char *cmdline);
void ukboot_set_initrd(const void *base, unsigned long length);
void ukboot_crash(const char *fmt, ...) __noreturn
	__attribute__((format(printf, 1, 2)));

#endif
