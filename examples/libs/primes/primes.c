#include <primes.h>

int prime_is(unsigned int n)
{
	unsigned int d;

	if (n < 2)
		return 0;
	for (d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

unsigned int prime_nth(unsigned int n)
{
	unsigned int p = 1;

	while (n) {
		p++;
		if (prime_is(p))
			n--;
	}
	return p;
}
