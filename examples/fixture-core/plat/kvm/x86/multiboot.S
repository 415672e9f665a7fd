/* Multiboot v1 header: QEMU's -kernel loads the (32-bit) ELF and jumps to
 * its entry point, _start32, in 32-bit protected mode. */
#define MULTIBOOT_MAGIC	0x1badb002
#define MULTIBOOT_FLAGS	0x00000002	/* want the memory map */

	.section .multiboot, "a"
	.balign 4
	.long	MULTIBOOT_MAGIC
	.long	MULTIBOOT_FLAGS
	.long	-(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

	.section .note.GNU-stack, "", @progbits
