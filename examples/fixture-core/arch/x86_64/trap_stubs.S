/*
 * One stub per CPU exception (vectors 0-31).  Each pushes a dummy error
 * code where the CPU does not push one, then the vector number, and calls
 * x86_trap(vector, error, rip), which never returns.
 */
#define HAS_ERROR(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || \
		      (n) == 21 || (n) == 29 || (n) == 30)

	.text
	.code64
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
x86_trap_\n:
	.if !HAS_ERROR(\n)
	pushq	$0
	.endif
	pushq	$\n
	jmp	x86_trap_common
	.endr

x86_trap_common:
	popq	%rdi			/* vector */
	popq	%rsi			/* error code */
	movq	(%rsp), %rdx		/* faulting rip */
	andq	$-16, %rsp
	call	x86_trap
1:	cli
	hlt
	jmp	1b

	.section .rodata
	.balign 8
	.globl x86_trap_stubs
x86_trap_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	x86_trap_\n
	.endr

	.section .note.GNU-stack, "", @progbits
