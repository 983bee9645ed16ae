#ifndef CHASHSCAN_WEBP_SHIM_H
#define CHASHSCAN_WEBP_SHIM_H
#include <webp/decode.h>
/* Animated WebP: libwebpdemux's animation decoder composes each frame on the canvas. */
#include <webp/demux.h>
/* The encoder is only used by tests to build inputs; it lives in the same libwebp. */
#include <webp/encode.h>
#endif
