// Uploads and glibc's heap trimming. Node's HTTP parser copies each request-body chunk (up to
// 64 KiB) into a fresh malloc'd Buffer; V8 frees them in batches, when about 32 MB of them have
// piled up ("external memory pressure": 3 scavenges per 100 MiB uploaded). glibc then finds that
// much free at the top of its heap, more than its trim threshold, and gives it back to the
// kernel, so the next 32 MB of chunks fault in fresh pages, 8,000-11,000 faults per 100 MiB. On
// the PVM guest this was measured on a fault costs 13-17 µs of CPU: about 40 % of the gateway's
// CPU per uploaded GiB (bench/results.md, "fifth session: why uploads swing").
//
// glibc raises its thresholds by itself when a large mmap'd block is freed (mallopt(3),
// M_MMAP_THRESHOLD: the threshold becomes that block's size and the trim threshold twice that,
// up to 32 MiB and 64 MiB). Freeing one block just under the cap once the gateway listens sets
// them there, so a 32 MB batch is no longer trimmed. Measured (2026-12-07, 100 MiB REST PUTs,
// the same build with and without, interleaved, load about 1): 2.66 instead of 4.40 CPU-s per
// GiB, 394 instead of 212 MiB/s; after the first upload 54-2,647 faults per upload instead of
// 817-9,280. The block is never touched, so it costs no resident memory, and the idle RSS was
// the same (89.1 / 88.6 MB); what is kept is freed heap after uploads, about one batch (RSS
// after six uploads 133.8 against 96.1 MB). GLIBC_TUNABLES (glibc.malloc.trim_threshold) would
// do the same but must be set before node starts, and turns glibc's dynamic thresholds off.
// Elsewhere than glibc this only allocates and frees one untouched block.

/** Just under glibc's cap for the dynamic mmap threshold (DEFAULT_MMAP_THRESHOLD_MAX, 32 MiB on 64-bit). */
const BLOCK_BYTES = 31 * 1024 * 1024;

/** Let glibc keep freed request-body memory instead of trimming it after every batch (see above). */
export function raiseMallocThresholds(): void {
  // Garbage at once: V8 frees its backing store (munmap) at its next collection, which the
  // external memory this reports brings soon. Refused (strict overcommit, a memory limit): the
  // gateway runs as it would have without.
  try {
    Buffer.allocUnsafeSlow(BLOCK_BYTES);
  } catch {
    // nothing to undo
  }
}
