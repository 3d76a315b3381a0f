/* Ethernet (optional 802.1Q) / IPv4 / TCP parse-and-decide, no loop: returns a verdict class. */
#include "common.h"

static inline u32 be16at(const u8 *p) { return ((u32)p[0] << 8) | p[1]; }
static inline u32 be32at(const u8 *p) { return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3]; }

PROG(parse)
{
	if (len < 14)
		return 0;
	u32 proto = be16at(data + 12);
	u64 off = 14;
	if (proto == 0x8100) {
		if (len < 18)
			return 0;
		proto = be16at(data + 16);
		off = 18;
	}
	if (proto != 0x0800)
		return 1;
	if (len < off + 20)
		return 0;
	const u8 *ip = data + off;
	u32 ihl = (ip[0] & 0xf) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < off + ihl)
		return 0;
	if (be16at(ip + 6) & 0x3fff)
		return 2;
	u32 saddr = be32at(ip + 12);
	u32 daddr = be32at(ip + 16);
	if ((saddr & 0xff000000) == 0x0a000000 && (daddr & 0xffff0000) == 0xc0a80000)
		return 3;
	if (ip[9] != 6)
		return ip[9] == 17 ? 4 : 5;
	const u8 *tcp = ip + ihl;
	if (len < off + ihl + 20)
		return 0;
	u32 sport = be16at(tcp);
	u32 dport = be16at(tcp + 2);
	u32 flags = tcp[13];
	if (dport == 22 && (saddr & 0xffffff00) != 0xc0a80100)
		return 6;
	if ((flags & 0x02) && !(flags & 0x10))
		return (dport == 80 || dport == 443) ? 7 : 8;
	if (flags & 0x04)
		return 9;
	if (sport < 1024 && dport < 1024)
		return 10;
	return 11 + (dport & 3);
}
