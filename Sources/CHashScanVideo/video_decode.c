/* FFmpeg decoding for hashscan's video hashes: from memory, bounded, quiet. See chs_video.h. */
#include "chs_video.h"
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>

/* Bytes past the RGB frame that swscale may write (vector stores; FFmpeg pads its own buffers by 64). */
#define CHS_SCALE_PADDING 256

/* The bytes FFmpeg reads through its I/O callbacks: a buffer in memory, or a file read with pread (never copied
   anywhere else, never written). */
typedef struct chs_source {
    const uint8_t *data; /* NULL: read `descriptor` */
    int descriptor;
    size_t size;
    size_t offset;
} chs_source;

static int chs_read(void *opaque, uint8_t *buffer, int capacity) {
    chs_source *source = (chs_source *)opaque;
    size_t left = source->size - source->offset;
    if (left == 0) return AVERROR_EOF;
    size_t count = left < (size_t)capacity ? left : (size_t)capacity;
    if (source->data != NULL) {
        memcpy(buffer, source->data + source->offset, count);
    } else {
        ssize_t got;
        do {
            got = pread(source->descriptor, buffer, count, (off_t)source->offset);
        } while (got < 0 && errno == EINTR);
        if (got < 0) return AVERROR(errno);
        /* The file is shorter than when it was opened: the end of the data, which the demuxer reports. */
        if (got == 0) return AVERROR_EOF;
        count = (size_t)got;
    }
    source->offset += count;
    return (int)count;
}

static int64_t chs_seek(void *opaque, int64_t offset, int whence) {
    chs_source *source = (chs_source *)opaque;
    int64_t base;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE: return (int64_t)source->size;
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)source->offset; break;
    case SEEK_END: base = (int64_t)source->size; break;
    default: return AVERROR(EINVAL);
    }
    int64_t target = base + offset;
    if (target < 0 || target > (int64_t)source->size) return AVERROR(EINVAL);
    source->offset = (size_t)target;
    return target;
}

static double chs_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* FFmpeg polls this inside its own loops (probing, reading): past the deadline it gives up. */
typedef struct chs_deadline {
    double at;
    int expired;
} chs_deadline;

static int chs_interrupt(void *opaque) {
    chs_deadline *deadline = (chs_deadline *)opaque;
    if (chs_now() > deadline->at) deadline->expired = 1;
    return deadline->expired;
}

static void chs_quiet_once(void) { av_log_set_level(AV_LOG_QUIET); }

static void chs_copy_name(char *out, size_t capacity, const char *name) {
    if (name == NULL) name = "";
    size_t length = strcspn(name, ",");
    if (length >= capacity) length = capacity - 1;
    memcpy(out, name, length);
    out[length] = 0;
}

static int chs_fail(chs_video_info *info, int code, const char *what, int error) {
    if (error != 0) {
        char reason[AV_ERROR_MAX_STRING_SIZE] = {0};
        av_strerror(error, reason, sizeof reason);
        snprintf(info->message, sizeof info->message, "%s: %s", what, reason);
    } else {
        snprintf(info->message, sizeof info->message, "%s", what);
    }
    return code;
}

/* The decode state, released in one place whatever the exit. */
typedef struct chs_decode {
    AVIOContext *io;
    AVFormatContext *format;
    AVCodecContext *codec;
    AVPacket *packet;
    AVFrame *frame;
    struct SwsContext *scaler;
    uint8_t *rgb;
    size_t rgb_capacity;
} chs_decode;

static void chs_release(chs_decode *d) {
    sws_freeContext(d->scaler);
    av_free(d->rgb);
    av_frame_free(&d->frame);
    av_packet_free(&d->packet);
    avcodec_free_context(&d->codec);
    if (d->format != NULL) avformat_close_input(&d->format);
    if (d->io != NULL) {
        av_freep(&d->io->buffer);
        avio_context_free(&d->io);
    }
}

/* Converts one decoded frame to RGB24 and hands it on; checks the frame's own size against the limit first. */
static int chs_emit(chs_decode *d, const chs_video_limits *limits, chs_video_info *info, int64_t number,
                    chs_video_frame_fn on_frame, void *context) {
    AVFrame *frame = d->frame;
    if (frame->width <= 0 || frame->height <= 0) return chs_fail(info, CHS_VIDEO_CORRUPT, "a frame without dimensions", 0);
    if ((int64_t)frame->width * (int64_t)frame->height > limits->max_pixels) {
        snprintf(info->message, sizeof info->message, "a %dx%d frame exceeds the limit of %lld pixels", frame->width,
                 frame->height, (long long)limits->max_pixels);
        return CHS_VIDEO_TOO_LARGE;
    }
    d->scaler = sws_getCachedContext(d->scaler, frame->width, frame->height, (enum AVPixelFormat)frame->format,
                                     frame->width, frame->height, AV_PIX_FMT_RGB24, SWS_AREA, NULL, NULL, NULL);
    if (d->scaler == NULL) return chs_fail(info, CHS_VIDEO_CORRUPT, "unsupported pixel format", 0);
    size_t stride = (size_t)frame->width * 3;
    size_t needed = stride * (size_t)frame->height;
    if (needed > d->rgb_capacity) {
        av_free(d->rgb);
        /* swscale's vector code may store up to a register's width past the end of the last row: pad for it. */
        d->rgb = av_malloc(needed + CHS_SCALE_PADDING);
        d->rgb_capacity = d->rgb != NULL ? needed : 0;
        if (d->rgb == NULL) return CHS_VIDEO_NO_MEMORY;
    }
    uint8_t *planes[4] = {d->rgb, NULL, NULL, NULL};
    int strides[4] = {(int)stride, 0, 0, 0};
    if (sws_scale(d->scaler, (const uint8_t *const *)frame->data, frame->linesize, 0, frame->height, planes, strides) !=
        frame->height) {
        return chs_fail(info, CHS_VIDEO_CORRUPT, "a frame could not be converted to RGB", 0);
    }
    info->frames_sampled += 1;
    double timestamp = info->frame_rate > 0 ? (double)number / info->frame_rate : 0;
    return on_frame(context, d->rgb, frame->width, frame->height, number, timestamp) != 0 ? CHS_VIDEO_STOPPED : CHS_VIDEO_OK;
}

/* Receives every frame the decoder has ready; samples them. */
static int chs_drain(chs_decode *d, const chs_video_limits *limits, chs_video_info *info, int64_t frame_mod,
                     chs_deadline *deadline, chs_video_frame_fn on_frame, void *context) {
    while (1) {
        int status = avcodec_receive_frame(d->codec, d->frame);
        if (status == AVERROR(EAGAIN) || status == AVERROR_EOF) return CHS_VIDEO_OK;
        if (status < 0) return CHS_VIDEO_OK; /* a damaged frame: skipped, as players do */
        int64_t number = info->frames_decoded;
        info->frames_decoded += 1;
        int result = CHS_VIDEO_OK;
        if (info->frames_decoded > limits->max_frames) {
            snprintf(info->message, sizeof info->message, "more than %lld frames", (long long)limits->max_frames);
            result = CHS_VIDEO_TOO_LARGE;
        } else if (chs_interrupt(deadline)) {
            result = chs_fail(info, CHS_VIDEO_TIMED_OUT, "the decode took longer than its time budget", 0);
        } else if (number % frame_mod == 0) {
            result = chs_emit(d, limits, info, number, on_frame, context);
        }
        av_frame_unref(d->frame);
        if (result != CHS_VIDEO_OK) return result;
    }
}

static int chs_video_decode_source(chs_source source, double seconds_per_hash, const chs_video_limits *limits,
                                   chs_video_info *info, chs_video_frame_fn on_frame, void *context) {
    static pthread_once_t quiet = PTHREAD_ONCE_INIT;
    pthread_once(&quiet, chs_quiet_once);
    memset(info, 0, sizeof *info);
    info->duration = -1;
    chs_decode d;
    memset(&d, 0, sizeof d);
    chs_deadline deadline = {chs_now() + limits->max_seconds, 0};
    int result;

    const int io_size = 64 * 1024;
    uint8_t *io_buffer = av_malloc(io_size);
    if (io_buffer == NULL) return CHS_VIDEO_NO_MEMORY;
    d.io = avio_alloc_context(io_buffer, io_size, 0, &source, chs_read, NULL, chs_seek);
    if (d.io == NULL) {
        av_free(io_buffer);
        return CHS_VIDEO_NO_MEMORY;
    }
    d.format = avformat_alloc_context();
    if (d.format == NULL) {
        chs_release(&d);
        return CHS_VIDEO_NO_MEMORY;
    }
    d.format->pb = d.io;
    d.format->flags |= AVFMT_FLAG_CUSTOM_IO;
    d.format->interrupt_callback.callback = chs_interrupt;
    d.format->interrupt_callback.opaque = &deadline;
    int status = avformat_open_input(&d.format, NULL, NULL, NULL);
    if (status < 0) {
        /* avformat_open_input frees the context on failure. */
        d.format = NULL;
        result = deadline.expired ? chs_fail(info, CHS_VIDEO_TIMED_OUT, "the decode took longer than its time budget", 0)
                                  : chs_fail(info, CHS_VIDEO_CORRUPT, "cannot open the container", status);
        chs_release(&d);
        return result;
    }
    chs_copy_name(info->container, sizeof info->container, d.format->iformat != NULL ? d.format->iformat->name : NULL);
    status = avformat_find_stream_info(d.format, NULL);
    if (status < 0) {
        result = deadline.expired ? chs_fail(info, CHS_VIDEO_TIMED_OUT, "the decode took longer than its time budget", 0)
                                  : chs_fail(info, CHS_VIDEO_CORRUPT, "cannot read the streams", status);
        chs_release(&d);
        return result;
    }
    if (d.format->nb_streams == 0) {
        /* A container that describes no stream at all is damaged or cut short (an audio file has its stream). */
        result = chs_fail(info, CHS_VIDEO_CORRUPT, "the container describes no stream (truncated or damaged)", 0);
        chs_release(&d);
        return result;
    }
    const AVCodec *decoder = NULL;
    int index = av_find_best_stream(d.format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
    if (index < 0 || decoder == NULL) {
        result = chs_fail(info, CHS_VIDEO_NO_VIDEO, index == AVERROR_DECODER_NOT_FOUND ? "no decoder for the video stream"
                                                                                       : "no video stream", 0);
        chs_release(&d);
        return result;
    }
    AVStream *stream = d.format->streams[index];
    AVCodecParameters *parameters = stream->codecpar;
    chs_copy_name(info->codec, sizeof info->codec, decoder->name);
    info->width = parameters->width;
    info->height = parameters->height;
    if (d.format->duration > 0) {
        info->duration = (double)d.format->duration / AV_TIME_BASE;
    } else if (stream->duration > 0) {
        info->duration = (double)stream->duration * av_q2d(stream->time_base);
    }
    AVRational rate = stream->avg_frame_rate.num > 0 && stream->avg_frame_rate.den > 0 ? stream->avg_frame_rate : stream->r_frame_rate;
    info->frame_rate = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0;
    /* Limits from the header, before the decoder allocates anything sized by the picture. */
    if ((int64_t)parameters->width * (int64_t)parameters->height > limits->max_pixels) {
        snprintf(info->message, sizeof info->message, "%dx%d frames exceed the limit of %lld pixels", parameters->width,
                 parameters->height, (long long)limits->max_pixels);
        chs_release(&d);
        return CHS_VIDEO_TOO_LARGE;
    }
    if (info->duration > limits->max_duration) {
        snprintf(info->message, sizeof info->message, "%.0f s of video exceeds the limit of %.0f s", info->duration,
                 limits->max_duration);
        chs_release(&d);
        return CHS_VIDEO_TOO_LARGE;
    }
    int64_t frame_mod = (int64_t)(seconds_per_hash * info->frame_rate);
    if (frame_mod < 1) frame_mod = 1;

    d.codec = avcodec_alloc_context3(decoder);
    d.packet = av_packet_alloc();
    d.frame = av_frame_alloc();
    if (d.codec == NULL || d.packet == NULL || d.frame == NULL) {
        chs_release(&d);
        return CHS_VIDEO_NO_MEMORY;
    }
    status = avcodec_parameters_to_context(d.codec, parameters);
    if (status >= 0) {
        /* One thread a file: the scan runs one file per core, and frames come out in decode order either way. */
        d.codec->thread_count = 1;
        status = avcodec_open2(d.codec, decoder, NULL);
    }
    if (status < 0) {
        result = chs_fail(info, CHS_VIDEO_CORRUPT, "cannot open the video decoder", status);
        chs_release(&d);
        return result;
    }

    result = CHS_VIDEO_OK;
    int read_error = 0;
    while (result == CHS_VIDEO_OK) {
        status = av_read_frame(d.format, d.packet);
        if (status < 0) {
            if (status != AVERROR_EOF) read_error = status;
            break;
        }
        if (d.packet->stream_index == index) {
            /* A packet the decoder refuses (damaged data) is skipped; the frames around it still count. */
            int sent = avcodec_send_packet(d.codec, d.packet);
            result = chs_drain(&d, limits, info, frame_mod, &deadline, on_frame, context);
            if (result == CHS_VIDEO_OK && sent == AVERROR(EAGAIN)) {
                avcodec_send_packet(d.codec, d.packet);
                result = chs_drain(&d, limits, info, frame_mod, &deadline, on_frame, context);
            }
        }
        av_packet_unref(d.packet);
        if (result == CHS_VIDEO_OK && chs_interrupt(&deadline)) {
            result = chs_fail(info, CHS_VIDEO_TIMED_OUT, "the decode took longer than its time budget", 0);
        }
    }
    if (result == CHS_VIDEO_OK) {
        avcodec_send_packet(d.codec, NULL);
        result = chs_drain(&d, limits, info, frame_mod, &deadline, on_frame, context);
    }
    if (result == CHS_VIDEO_OK && deadline.expired) {
        result = chs_fail(info, CHS_VIDEO_TIMED_OUT, "the decode took longer than its time budget", 0);
    }
    if (result == CHS_VIDEO_OK && info->frames_decoded == 0) {
        result = read_error != 0 ? chs_fail(info, CHS_VIDEO_CORRUPT, "cannot read the video", read_error)
                                 : chs_fail(info, CHS_VIDEO_CORRUPT, "no frame could be decoded", 0);
    }
    chs_release(&d);
    return result;
}

int chs_video_decode(const uint8_t *data, size_t size, double seconds_per_hash, const chs_video_limits *limits,
                     chs_video_info *info, chs_video_frame_fn on_frame, void *context) {
    chs_source source = {data, -1, size, 0};
    if (data == NULL) source.size = 0;
    return chs_video_decode_source(source, seconds_per_hash, limits, info, on_frame, context);
}

int chs_video_decode_descriptor(int descriptor, int64_t size, double seconds_per_hash, const chs_video_limits *limits,
                                chs_video_info *info, chs_video_frame_fn on_frame, void *context) {
    chs_source source = {NULL, descriptor, size > 0 ? (size_t)size : 0, 0};
    return chs_video_decode_source(source, seconds_per_hash, limits, info, on_frame, context);
}
