# Sums the bytes of the input memory (r1 = its address, r2 = its length) and returns the sum in r0.
# Run it: npx ebpf-wasm run examples/sum.asm --mem "01 02 03 04"
    mov %r0, 0
    mov %r3, 0
loop:
    jge %r3, %r2, done
    mov %r4, %r1
    add %r4, %r3
    ldxb %r5, [%r4]
    add %r0, %r5
    add %r3, 1
    ja loop
done:
    exit
