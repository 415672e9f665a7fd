#ifndef __PRIMES_H__
#define __PRIMES_H__

int prime_is(unsigned int n);
/* the n-th prime, counting from prime_nth(1) == 2 */
unsigned int prime_nth(unsigned int n);

#endif
