/* RFC 1071 Internet checksum over the whole buffer (16-bit big-endian words, odd byte padded). */
#include "common.h"

PROG(checksum)
{
	u64 sum = 0;
	u64 i = 0;
	for (; i + 1 < len; i += 2)
		sum += ((u32)data[i] << 8) | data[i + 1];
	if (i < len)
		sum += (u32)data[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}
