#ifndef CHASHSCAN_GIF_SHIM_H
#define CHASHSCAN_GIF_SHIM_H
#include <gif_lib.h>
#endif
