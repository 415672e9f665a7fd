/* Fault app: prints pseudo-random bytes instead of the expected text. */
#include <stdio.h>

int main(void)
{
	unsigned int x = 0x2545f491, i;

	for (i = 0; i < 512; i++) {
		x = x * 1103515245u + 12345u;
		putchar((char)(x >> 16));
	}
	putchar('\n');
	return 0;
}
