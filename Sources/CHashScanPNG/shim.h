#ifndef CHASHSCAN_PNG_SHIM_H
#define CHASHSCAN_PNG_SHIM_H
/* libpng itself; hashscan's reader and writer around it are C code in the CHashScanPNGCodec target. */
#include <png.h>
#endif
