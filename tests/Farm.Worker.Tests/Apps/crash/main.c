/* Fault app: executes an invalid instruction (the core prints a
 * "CRIT: crash:" line and exits with 127). */
#include <stdio.h>

int main(void)
{
	printf("about to crash\n");
	__builtin_trap();
}
