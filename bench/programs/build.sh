#!/usr/bin/env bash
# Rebuilds the benchmark objects: each C program -> BPF ELF object (clang -O2 -target bpf) and the raw
# code bytes of its "raw" section (what the benchmark loads). Needs Debian's clang and llvm.
set -euo pipefail
cd "$(dirname "$0")"
for src in fnv1a checksum parse xorshift; do
	clang -O2 -g -target bpf -mcpu=v3 -c "$src.c" -o "$src.o"
	llvm-objcopy -O binary --only-section=raw "$src.o" "$src.bin"
done
