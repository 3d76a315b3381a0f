/* Shared by the benchmark programs: built for BPF (raw program type: r1 = buffer, r2 = length) by
 * clang -target bpf, and for the host by gcc for the native baseline. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
#ifdef __bpf__
#define PROG(name) __attribute__((section("raw"), used)) u64 name(const u8 *data, u64 len)
#else
#define PROG(name) __attribute__((noinline)) u64 name(const u8 *data, u64 len)
#endif
#endif
