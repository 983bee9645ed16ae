#ifndef CHASHSCAN_VIDEO_H
#define CHASHSCAN_VIDEO_H
#include <stddef.h>
#include <stdint.h>

/*
 * Video frames for hashing, decoded by FFmpeg from bytes in memory or an open file (never a temporary file). Every limit is
 * checked before the memory it bounds is allocated, and a wall-clock budget interrupts FFmpeg's own loops, so a
 * hostile stream ends with an error code rather than a crash, a hang or unbounded memory. FFmpeg's log is off.
 */

typedef struct chs_video_limits {
    int64_t max_pixels;     /* width * height of any frame */
    int64_t max_frames;     /* frames decoded */
    double max_duration;    /* seconds, as the container declares */
    double max_seconds;     /* wall-clock budget for the whole decode */
} chs_video_limits;

typedef struct chs_video_info {
    char container[32];     /* the demuxer's first name: mov, matroska, avi, ... */
    char codec[32];         /* the video decoder's name: h264, hevc, vp9, ... */
    int width;
    int height;
    double duration;        /* seconds; -1 when unknown */
    double frame_rate;      /* average frame rate (or the stream's base rate); 0 when unknown */
    int64_t frames_decoded;
    int64_t frames_sampled;
    char message[256];      /* why the decode failed */
} chs_video_info;

/*
 * One sampled frame, RGB24 at its own size: `height` rows of `width * 3` bytes, contiguous. `frame_number` counts
 * decoded frames from 0; `timestamp` is frame_number / frame_rate (vPDQ's convention). Return nonzero to stop.
 */
typedef int (*chs_video_frame_fn)(void *context, const uint8_t *rgb, int width, int height, int64_t frame_number,
                                  double timestamp);

enum {
    CHS_VIDEO_OK = 0,
    CHS_VIDEO_NO_VIDEO = 1,   /* a container without a decodable video stream */
    CHS_VIDEO_CORRUPT = 2,    /* unreadable container or stream; message set */
    CHS_VIDEO_TOO_LARGE = 3,  /* over a limit; message set */
    CHS_VIDEO_TIMED_OUT = 4,  /* over the wall-clock budget */
    CHS_VIDEO_NO_MEMORY = 5,
    CHS_VIDEO_STOPPED = 6     /* the frame callback asked to stop */
};

/*
 * Decodes the first (best) video stream of `data` and calls `on_frame` for every sampled frame: frame n is sampled
 * when n % max(1, (int)(seconds_per_hash * frame_rate)) == 0, so 0 samples every frame (vPDQ's frameMod). `info` is
 * filled as far as the decode got. Returns a CHS_VIDEO_* code.
 */
int chs_video_decode(const uint8_t *data, size_t size, double seconds_per_hash, const chs_video_limits *limits,
                     chs_video_info *info, chs_video_frame_fn on_frame, void *context);

/*
 * The same, reading the first `size` bytes of the open file `descriptor` with pread (its offset is not moved), for
 * videos too large to hold in memory. The descriptor stays open.
 */
int chs_video_decode_descriptor(int descriptor, int64_t size, double seconds_per_hash, const chs_video_limits *limits,
                                chs_video_info *info, chs_video_frame_fn on_frame, void *context);

#endif
