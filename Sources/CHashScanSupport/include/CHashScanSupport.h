#ifndef CHASHSCAN_SUPPORT_H
#define CHASHSCAN_SUPPORT_H
// Small kernels Swift cannot express well: a cache prefetch hint, and a Hamming distance that uses the
// processor's population-count instruction (Swift's nonzeroBitCount falls back to bit tricks on baseline x86-64).
#include <stdint.h>

/// Asks the processor to start loading the cache line at `address`; never faults, even on a bad address.
static inline void chs_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// Bits that differ between `words` big-endian 64-bit words at `row` and the native `query` words.
int chs_hamming_be64(const unsigned char *row, const uint64_t *query, int words);
#endif
