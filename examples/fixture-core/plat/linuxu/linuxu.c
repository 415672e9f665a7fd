/* Linux user space: stdout is the console, exit_group() the exit, and
 * SIGSEGV/SIGILL/SIGBUS/SIGFPE/SIGTRAP become crash lines. */
#include <uk/plat.h>

#define SYS_write		1
#define SYS_rt_sigaction	13
#define SYS_exit_group		231
#define SA_SIGINFO		0x00000004
#define SA_RESTORER		0x04000000

static long syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ __volatile__("syscall" : "=a"(ret)
			     : "a"(nr), "D"(a), "S"(b), "d"(c)
			     : "rcx", "r11", "memory");
	return ret;
}

static long syscall4(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ __volatile__("syscall" : "=a"(ret)
			     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			     : "rcx", "r11", "memory");
	return ret;
}

static char outbuf[512];
static unsigned int outlen;

static void flush(void)
{
	unsigned int done = 0;

	while (done < outlen) {
		long n = syscall3(SYS_write, 1, (long)(outbuf + done),
				  outlen - done);
		if (n <= 0)
			break;
		done += n;
	}
	outlen = 0;
}

void plat_console_putc(char c)
{
	outbuf[outlen++] = c;
	if (c == '\n' || outlen == sizeof(outbuf))
		flush();
}

void plat_exit(int status)
{
	flush();
	for (;;)
		syscall3(SYS_exit_group, status, 0, 0);
}

struct kernel_sigaction {
	void (*handler)(int, void *, void *);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

extern void linuxu_sigreturn(void);

static const char *signame(int sig)
{
	switch (sig) {
	case 4: return "SIGILL";
	case 5: return "SIGTRAP";
	case 7: return "SIGBUS";
	case 8: return "SIGFPE";
	case 11: return "SIGSEGV";
	}
	return "signal";
}

static void crash_handler(int sig, void *info __unused, void *uctx)
{
	/* ucontext: uc_flags, uc_link, uc_stack (24 bytes), then the general
	 * registers, of which REG_RIP is number 16 */
	unsigned long rip = *(unsigned long *)((char *)uctx + 40 + 16 * 8);

	ukboot_crash("signal %d (%s) at 0x%lx", sig, signame(sig), rip);
}

void linuxu_start(long *sp)
{
	static const int sigs[] = { 4, 5, 7, 8, 11 };
	struct kernel_sigaction sa = {
		crash_handler, SA_SIGINFO | SA_RESTORER, linuxu_sigreturn, 0
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		syscall4(SYS_rt_sigaction, sigs[i], (long)&sa, 0, 8);
	ukboot_start((int)sp[0], (char **)(sp + 1));
}
