#ifndef __BIGNUM_H__
#define __BIGNUM_H__

#include <stddef.h>
#include <stdint.h>

#define BIGNUM_LIMBS 32		/* 32 limbs of 9 decimal digits */

struct bignum {
	unsigned int len;	/* limbs in use, at least 1 */
	uint32_t limb[BIGNUM_LIMBS];	/* base 10^9, least significant first */
};

void bignum_set(struct bignum *b, uint32_t v);
/* b *= m; returns -1 on overflow */
int bignum_mul(struct bignum *b, uint32_t m);
/* b = base^exp; returns -1 on overflow */
int bignum_pow(struct bignum *b, uint32_t base, unsigned int exp);
/* decimal digits into buf; returns their number, -1 if buf is too small */
int bignum_to_dec(const struct bignum *b, char *buf, size_t size);

#endif
