; FNV-1a over the input memory in the LLVM syntax that llvm-objdump prints (r1 = data, r2 = length).
; Run it: npx ebpf-wasm run examples/fnv1a.s --mem "68 65 6c 6c 6f" --engine jit
	r0 = -3750763034362895579 ll
	if r2 == 0 goto +8
	r3 = 1099511628211 ll
LBB0_2:
	r4 = *(u8 *)(r1 + 0)
	r0 ^= r4
	r0 *= r3
	r1 += 1
	r2 += -1
	if r2 != 0 goto -6
	exit
