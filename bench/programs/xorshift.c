/* 10,000 rounds of xorshift64 mixed with 64-bit multiply, divide and modulo. */
#include "common.h"

PROG(xorshift)
{
	u64 x = 88172645463325252ULL ^ len;
	u64 acc = 0;
	for (u32 i = 0; i < 10000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		acc += x * 0x2545f4914f6cdd1dULL;
		acc ^= x / ((x & 0xff) | 1);
		acc += x % 1000003;
	}
	return acc;
}
