/* Native baseline for the benchmarks: the same C programs compiled by gcc -O2 -fno-tree-vectorize,
 * each timed on the same 1500-byte buffer as the eBPF engines. Prints one JSON object:
 * {"fnv1a": {"nsPerRun": ..., "r0": "..."}, ...}. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "../programs/fnv1a.c"
#include "../programs/checksum.c"
#include "../programs/parse.c"
#include "../programs/xorshift.c"

typedef u64 (*prog_fn)(const u8 *, u64);

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile u64 sink;

static double time_prog(prog_fn fn, const u8 *buf, u64 len, u64 *r0)
{
	u64 iterations = 1;
	for (;;) {
		double start = now_ns();
		for (u64 i = 0; i < iterations; i++)
			sink = fn(buf, len);
		double elapsed = now_ns() - start;
		if (elapsed > 2e8) {
			*r0 = sink;
			return elapsed / (double)iterations;
		}
		iterations *= 2;
	}
}

int main(int argc, char **argv)
{
	/* Must match bench/run.ts: the benchmark buffer is read from the file given as argv[1]. */
	if (argc < 2) {
		fprintf(stderr, "usage: harness BUFFER_FILE\n");
		return 2;
	}
	static u8 buf[65536];
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	const char *names[] = { "fnv1a", "checksum", "parse", "xorshift" };
	prog_fn fns[] = { fnv1a, checksum, parse, xorshift };
	printf("{");
	for (int i = 0; i < 4; i++) {
		u64 r0 = 0;
		double ns = time_prog(fns[i], buf, len, &r0);
		printf("%s\"%s\": {\"nsPerRun\": %.3f, \"r0\": \"%llu\"}", i ? ", " : "", names[i], ns, (unsigned long long)r0);
	}
	printf("}\n");
	return 0;
}
