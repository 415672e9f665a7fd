/*
 * 32-bit entry shared by the multiboot (qemu) and PVH (fc, xen) images.
 * Both protocols start us in flat 32-bit protected mode with paging off;
 * %ebx holds the multiboot info or the PVH start_info pointer (unused).
 * We clear .bss, identity-map the first 1 GiB with 2 MiB pages, enable
 * long mode and SSE, and call plat_start(magic, info) in 64-bit C.
 */
#define CR0_PE		0x00000001
#define CR0_MP		0x00000002
#define CR0_EM		0x00000004
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define CR4_OSFXSR	0x00000200
#define CR4_OSXMMEXCPT	0x00000400
#define MSR_EFER	0xc0000080
#define EFER_LME	0x00000100
#define PTE_RW		0x3		/* present, writable */
#define PDE_2M		0x83		/* present, writable, 2 MiB page */

	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	cli
	cld
	movl	%eax, %esi		/* multiboot magic */
	movl	%ebx, %ebp		/* boot info pointer */

	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	movl	$x86_pdpt + PTE_RW, x86_pml4
	movl	$x86_pd + PTE_RW, x86_pdpt
	movl	$x86_pd, %edi
	movl	$PDE_2M, %eax
	movl	$512, %ecx
1:	movl	%eax, (%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	1b

	movl	%cr4, %eax
	orl	$(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl	%eax, %cr4
	movl	$x86_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	andl	$~CR0_EM, %eax
	orl	$(CR0_PG | CR0_MP | CR0_PE), %eax
	movl	%eax, %cr0

	lgdt	x86_gdt_ptr
	ljmp	$0x08, $x86_start64

	.code64
x86_start64:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	x86_stack_top(%rip), %rsp
	movl	%esi, %edi
	movl	%ebp, %esi
	call	plat_start
2:	cli
	hlt
	jmp	2b

	.section .rodata
	.balign 8
x86_gdt:
	.quad	0			/* null */
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
x86_gdt_end:
x86_gdt_ptr:
	.word	x86_gdt_end - x86_gdt - 1
	.long	x86_gdt

	.section .bss
	.balign 4096
x86_pml4:
	.skip	4096
x86_pdpt:
	.skip	4096
x86_pd:
	.skip	4096
	.balign 16
	.skip	32768
x86_stack_top:

	.section .note.GNU-stack, "", @progbits
