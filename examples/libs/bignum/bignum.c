#include <bignum.h>
#include <stdio.h>

#define LIMB_BASE 1000000000u

void bignum_set(struct bignum *b, uint32_t v)
{
	b->limb[0] = v % LIMB_BASE;
	b->limb[1] = v / LIMB_BASE;
	b->len = b->limb[1] ? 2 : 1;
}

int bignum_mul(struct bignum *b, uint32_t m)
{
	uint64_t carry = 0;
	unsigned int i;

	for (i = 0; i < b->len; i++) {
		uint64_t v = (uint64_t)b->limb[i] * m + carry;

		b->limb[i] = (uint32_t)(v % LIMB_BASE);
		carry = v / LIMB_BASE;
	}
	while (carry) {
		if (b->len == BIGNUM_LIMBS)
			return -1;
		b->limb[b->len++] = (uint32_t)(carry % LIMB_BASE);
		carry /= LIMB_BASE;
	}
	return 0;
}

int bignum_pow(struct bignum *b, uint32_t base, unsigned int exp)
{
	bignum_set(b, 1);
	while (exp--)
		if (bignum_mul(b, base))
			return -1;
	return 0;
}

int bignum_to_dec(const struct bignum *b, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%u", b->limb[b->len - 1]);
	unsigned int i;

	for (i = b->len - 1; i-- > 0;)
		n += snprintf(buf + n, size > (size_t)n ? size - n : 0, "%09u",
			      b->limb[i]);
	return (size_t)n < size ? n : -1;
}
