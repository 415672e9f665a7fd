/*
 * Xen PVH ELF note: XEN_ELFNOTE_PHYS32_ENTRY (18) names the 32-bit entry
 * point.  Xen, Firecracker and QEMU (-kernel) use it to start the kernel
 * in 32-bit protected mode with paging off and %ebx = start_info.
 */
	.section .note.Xen, "a", @note
	.balign 4
	.long	4			/* name size */
	.long	8			/* descriptor size */
	.long	18			/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.balign 4
	.quad	_start32
	.balign 4

	.section .note.GNU-stack, "", @progbits
