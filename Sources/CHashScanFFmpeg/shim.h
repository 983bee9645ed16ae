#ifndef CHASHSCAN_FFMPEG_SHIM_H
#define CHASHSCAN_FFMPEG_SHIM_H
/* FFmpeg's libraries; hashscan's decoder around them is C code in the CHashScanVideo target. */
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#endif
