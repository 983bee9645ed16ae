#ifndef CHASHSCAN_JPEG_SHIM_H
#define CHASHSCAN_JPEG_SHIM_H
#include <stddef.h>
#include <turbojpeg.h>
#endif
