/* Prints a result that depends on all three libraries. */
#include <bignum.h>
#include <fmt.h>
#include <primes.h>
#include <stdio.h>

int main(void)
{
	struct bignum b;
	char digits[300], grouped[400];

	if (bignum_pow(&b, 2, 100) || bignum_to_dec(&b, digits, sizeof(digits)) < 0 ||
	    fmt_group(grouped, sizeof(grouped), digits, ',') < 0) {
		printf("calculator: overflow\n");
		return 1;
	}
	printf("result: 2^100 = %s; prime #100 = %u\n", grouped, prime_nth(100));
	return 0;
}
