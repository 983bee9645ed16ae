#include "CHashScanSupport.h"
#include <string.h>

// One build for every x86-64 machine: the loader picks the POPCNT version where the processor has it.
#if defined(__x86_64__) && defined(__linux__)
__attribute__((target_clones("popcnt", "default")))
#endif
int chs_hamming_be64(const unsigned char *row, const uint64_t *query, int words) {
    int total = 0;
    for (int i = 0; i < words; i++) {
        uint64_t value;
        memcpy(&value, row + 8 * i, 8);
        total += __builtin_popcountll(__builtin_bswap64(value) ^ query[i]);
    }
    return total;
}
