/**
 * @fileoverview Memory-reading helpers of tracing programs: probe_read_kernel (113) and
 * probe_read_kernel_str (115), over linear memory. A "fault" is a source range that touches the
 * never-allocated first page (NULL_GUARD) or lies past the end of memory: the destination is
 * zeroed and -EFAULT returned, as copy_from_kernel_nofault failing does in the kernel.
 */
import { NULL_GUARD } from '../memory.js';
import { Errno } from '../maps/common.js';
import { type HelperRuntime, type KernelHelper, toU64, u32 } from './runtime.js';

/** True when [address, address + size) is readable linear memory. */
function isReadable(rt: HelperRuntime, address: bigint, size: number): boolean {
  return address >= BigInt(NULL_GUARD) && address + BigInt(size) <= BigInt(rt.space.u8.length);
}

/** bpf_probe_read_kernel(dst, size, unsafe_ptr): 0, or -EFAULT with dst zeroed. */
export function probeReadKernel(rt: HelperRuntime): KernelHelper {
  return (r1, r2, r3) => {
    const dst = u32(r1);
    const size = u32(r2);
    if (!isReadable(rt, r3, size)) {
      rt.space.u8.fill(0, dst, dst + size);
      return toU64(-Errno.EFAULT);
    }
    const src = Number(r3);
    rt.space.u8.copyWithin(dst, src, src + size);
    return 0n;
  };
}

/**
 * bpf_probe_read_kernel_str(dst, size, unsafe_ptr): copies up to size - 1 bytes and a NUL, stopping
 * after the source's NUL; returns the bytes written including the NUL, 0 for size 0, or -EFAULT with
 * dst zeroed when the source faults before its NUL or the size limit.
 */
export function probeReadKernelStr(rt: HelperRuntime): KernelHelper {
  return (r1, r2, r3) => {
    const dst = u32(r1);
    const size = u32(r2);
    if (size === 0) return 0n;
    const u8 = rt.space.u8;
    let length = 0;
    while (length < size - 1) {
      if (!isReadable(rt, r3 + BigInt(length), 1)) {
        u8.fill(0, dst, dst + size);
        return toU64(-Errno.EFAULT);
      }
      const byte = u8[Number(r3) + length]!;
      if (byte === 0) break;
      length++;
    }
    u8.copyWithin(dst, Number(r3), Number(r3) + length);
    u8[dst + length] = 0;
    return BigInt(length + 1);
  };
}
