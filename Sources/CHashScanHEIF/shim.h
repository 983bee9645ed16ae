#ifndef CHASHSCAN_HEIF_SHIM_H
#define CHASHSCAN_HEIF_SHIM_H
/* libheif: HEIF/HEIC (HEVC through libde265) and AVIF (AV1 through dav1d or libaom) stills. */
#include <libheif/heif.h>
#endif
