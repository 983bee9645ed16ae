#ifndef CHASHSCAN_WEBP_SHIM_H
#define CHASHSCAN_WEBP_SHIM_H
#include <webp/decode.h>
#endif
