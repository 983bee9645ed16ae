#ifndef CHASHSCAN_PNG_SHIM_H
#define CHASHSCAN_PNG_SHIM_H
#include <png.h>
#endif
