#ifndef CHASHSCAN_JPEG_SHIM_H
#define CHASHSCAN_JPEG_SHIM_H
#include <stddef.h>
#include <turbojpeg.h>
#if __has_include(<jconfig.h>)
#include <jconfig.h>
#endif

/* TJSCALED is a function-like macro, which Swift cannot import. */
static inline int chs_tj_scaled(int dimension, tjscalingfactor factor) {
    return TJSCALED(dimension, factor);
}

/* TurboJPEG 2 has no version call: the number its headers carry (e.g. 2001005 for 2.1.5), 0 if unknown. */
static inline int chs_jpeg_turbo_version_number(void) {
#ifdef LIBJPEG_TURBO_VERSION_NUMBER
    return LIBJPEG_TURBO_VERSION_NUMBER;
#else
    return 0;
#endif
}
#endif
