/*
 * arm64 entry.  The image is a raw binary with the Linux arm64 Image header
 * (Documentation/arch/arm64/booting.rst), as Unikraft's lxboot: QEMU's virt
 * loader then boots it as Linux, at RAM + text_offset, with the device tree
 * (command line, initrd) in x0, at EL1 with the MMU and caches off (so all
 * data accesses are Device memory: everything is compiled with
 * -mstrict-align).  We clear .bss, take a stack, enable FP/SIMD, install the
 * exception vectors and call plat_start(dtb).
 */
	.section .text.boot, "ax"
	.globl _start
_start:
	b	arm64_start		/* code0 */
	.long	0			/* code1 */
	.quad	0x200000		/* text_offset: 2 MiB above RAM, as linked */
	.quad	__image_size		/* image_size, .bss included */
	.quad	0			/* flags: little endian */
	.quad	0, 0, 0			/* res2-4 */
	.ascii	"ARM\x64"		/* magic */
	.long	0			/* res5 */

arm64_start:
	mov	x19, x0			/* the device tree */
	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	str	xzr, [x0], #8
	b	1b
2:	adrp	x0, arm64_stack_top
	add	x0, x0, :lo12:arm64_stack_top
	mov	sp, x0

	mrs	x0, cpacr_el1
	orr	x0, x0, #(3 << 20)	/* FPEN: no FP/SIMD traps */
	msr	cpacr_el1, x0
	adrp	x0, arm64_vectors
	add	x0, x0, :lo12:arm64_vectors
	msr	vbar_el1, x0
	isb

	mov	x0, x19
	bl	plat_start
3:	wfi
	b	3b

/* 16 vectors of 0x80 bytes: {sync, irq, fiq, serror} x {EL1 with SP_EL0,
 * EL1 with SP_EL1, lower EL AArch64, lower EL AArch32}.  All are crashes. */
	.macro vector idx
	.balign 0x80
	mov	x0, #\idx
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	b	arm64_trap
	.endm

	.text
	.balign 0x800
arm64_vectors:
	.irp idx, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vector \idx
	.endr

	.section .bss
	.balign 16
	.skip	32768
arm64_stack_top:

	.section .note.GNU-stack, "", %progbits
