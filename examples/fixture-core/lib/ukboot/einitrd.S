/* The embedded initrd (CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD_PATH, a cpio
 * archive the build passes in), as Unikraft's vfscore embeds it. */
#include <uk/config.h>

	.section .rodata
	.balign 16
	.globl uk_einitrd_start
uk_einitrd_start:
	.incbin CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD_PATH
	.globl uk_einitrd_end
uk_einitrd_end:

	.section .note.GNU-stack, "", %progbits
