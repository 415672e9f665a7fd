/* Process entry: the kernel leaves argc, argv[], envp[] on the stack. */
	.text
	.globl _liblinuxuplat_start
_liblinuxuplat_start:
	xorl	%ebp, %ebp
	movq	%rsp, %rdi
	andq	$-16, %rsp
	call	linuxu_start
	hlt

	/* rt_sigaction wants a restorer; crash handlers never return to it */
	.globl linuxu_sigreturn
linuxu_sigreturn:
	movl	$15, %eax		/* rt_sigreturn */
	syscall
	hlt

	.section .note.GNU-stack, "", @progbits
