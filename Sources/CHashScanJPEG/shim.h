#ifndef CHASHSCAN_JPEG_SHIM_H
#define CHASHSCAN_JPEG_SHIM_H
#include <stddef.h>
#include <turbojpeg.h>

/* TJSCALED is a function-like macro, which Swift cannot import. */
static inline int chs_tj_scaled(int dimension, tjscalingfactor factor) {
    return TJSCALED(dimension, factor);
}
#endif
