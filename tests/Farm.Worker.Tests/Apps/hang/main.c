/* Fault app: prints "starting" and never exits (smoke test timeout). */
#include <stdio.h>

int main(void)
{
	volatile unsigned long spins = 0;

	printf("starting\n");
	for (;;)
		spins++;
	return 0;
}
