/* FNV-1a 64-bit hash over the whole buffer. */
#include "common.h"

PROG(fnv1a)
{
	u64 hash = 0xcbf29ce484222325ULL;
	for (u64 i = 0; i < len; i++) {
		hash ^= data[i];
		hash *= 0x100000001b3ULL;
	}
	return hash;
}
