/* libpng reading and writing for hashscan: every setjmp/longjmp stays in this file (see the header). */
#include "chs_png_codec.h"
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

static void chs_png_on_error(png_structp png, png_const_charp msg) {
    chs_png_reader *r = (chs_png_reader *)png_get_error_ptr(png);
    if (r != NULL) {
        strncpy(r->message, msg != NULL ? msg : "libpng error", sizeof r->message - 1);
        r->message[sizeof r->message - 1] = 0;
    }
    png_longjmp(png, 1);
}

/* Warnings (bad ancillary CRCs, benign errors) are ignored: the scanner never writes to stderr. */
static void chs_png_on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void chs_png_on_read(png_structp png, png_bytep out, size_t length) {
    chs_png_reader *r = (chs_png_reader *)png_get_io_ptr(png);
    if (length > r->size - r->offset) {
        png_error(png, "unexpected end of PNG data");
    }
    memcpy(out, r->data + r->offset, length);
    r->offset += length;
}

/* Frees libpng state; safe to call repeatedly. */
void chs_png_reader_release(chs_png_reader *r) {
    if (r->png != NULL) {
        png_destroy_read_struct(&r->png, r->info != NULL ? &r->info : NULL, NULL);
    }
    r->png = NULL;
    r->info = NULL;
}

/*
 * Reads the signature and every chunk up to the first IDAT, and records the IHDR fields. Nothing
 * sized by the image is allocated here (libpng allocates its row buffers, and zeroes one, only when
 * the transforms are set up), so the caller can check its pixel limit first.
 * Returns 0 on success, 1 on a libpng error (message set), 2 when libpng could not allocate.
 */
int chs_png_read_header(chs_png_reader *r, const void *data, size_t size) {
    chs_png_reader_release(r);
    memset(r, 0, sizeof *r);
    r->data = (const unsigned char *)data;
    r->size = size;
    r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r, chs_png_on_error, chs_png_on_warning);
    if (r->png == NULL) return 2;
    r->info = png_create_info_struct(r->png);
    if (r->info == NULL) {
        chs_png_reader_release(r);
        return 2;
    }
    if (setjmp(png_jmpbuf(r->png))) return 1;
    png_set_read_fn(r->png, r, chs_png_on_read);
    /* Our own pixel limit is the one that applies (and reports too_large), not libpng's 1e6 default. */
    png_set_user_limits(r->png, 0x7fffffffU, 0x7fffffffU);
    png_set_chunk_cache_max(r->png, 256);
    png_set_chunk_malloc_max(r->png, (png_alloc_size_t)8 << 20);
    png_set_keep_unknown_chunks(r->png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_read_info(r->png, r->info);

    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(r->png, r->info, &r->width, &r->height, &bit_depth, &color_type, &interlace, NULL, NULL);
    r->bit_depth = bit_depth;
    r->color_type = color_type;
    r->interlaced = interlace != PNG_INTERLACE_NONE;
    r->has_trns = png_get_valid(r->png, r->info, PNG_INFO_tRNS) != 0;
    return 0;
}

/*
 * Sets up transforms to 8-bit grey or RGB with stored values kept: palette -> RGB, low-bit grey ->
 * 8-bit, 16-bit -> 8-bit by rounding (png_set_scale_16 computes round(v*255/65535) = round(v/257)),
 * alpha and tRNS dropped, no gamma or colour-space conversion. Then decodes every row (all
 * interlace passes) into `out` (height rows of `stride` bytes) and reads the chunks through IEND,
 * so a file cut anywhere before IEND fails.
 * Returns 0 on success, 1 on a libpng error (message set), 3 when the row layout is not `stride`.
 */
int chs_png_read_pixels(chs_png_reader *r, unsigned char *out, size_t stride) {
    if (r->png == NULL) return 1;
    if (setjmp(png_jmpbuf(r->png))) return 1;
    int color_type = r->color_type;
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(r->png);
    if ((color_type & PNG_COLOR_MASK_COLOR) == 0 && r->bit_depth < 8) png_set_expand_gray_1_2_4_to_8(r->png);
    if (r->bit_depth == 16) png_set_scale_16(r->png);
    if ((color_type & PNG_COLOR_MASK_ALPHA) != 0 || color_type == PNG_COLOR_TYPE_PALETTE) png_set_strip_alpha(r->png);
    r->passes = png_set_interlace_handling(r->png);
    png_read_update_info(r->png, r->info);
    r->out_channels = png_get_channels(r->png, r->info);
    r->out_rowbytes = png_get_rowbytes(r->png, r->info);
    if (r->out_rowbytes != stride) {
        strncpy(r->message, "unexpected decoded row layout", sizeof r->message - 1);
        return 3;
    }
    for (int pass = 0; pass < r->passes; pass++) {
        for (png_uint_32 y = 0; y < r->height; y++) {
            png_read_row(r->png, out + (size_t)y * stride, NULL);
        }
    }
    png_read_end(r->png, r->info);
    return 0;
}

/* The eXIf payload (TIFF header onwards) if the file had one; length 0 otherwise. */
const unsigned char *chs_png_exif(chs_png_reader *r, uint32_t *length) {
    *length = 0;
#ifdef PNG_eXIf_SUPPORTED
    png_bytep exif = NULL;
    png_uint_32 count = 0;
    if (r->png != NULL && png_get_eXIf_1(r->png, r->info, &count, &exif) != 0 && exif != NULL) {
        *length = count;
        return exif;
    }
#endif
    return NULL;
}

static void chs_png_on_write(png_structp png, png_bytep bytes, size_t length) {
    chs_png_output *o = (chs_png_output *)png_get_io_ptr(png);
    if (length > o->capacity - o->size) {
        size_t capacity = o->capacity > 0 ? o->capacity : 65536;
        while (capacity - o->size < length) capacity *= 2;
        unsigned char *grown = (unsigned char *)realloc(o->data, capacity);
        if (grown == NULL) {
            o->out_of_memory = 1;
            png_error(png, "out of memory");
        }
        o->data = grown;
        o->capacity = capacity;
    }
    memcpy(o->data + o->size, bytes, length);
    o->size += length;
}

static void chs_png_on_flush(png_structp png) { (void)png; }

/*
 * Encodes 8-bit grey (channels 1) or RGB (channels 3) pixels, `height` rows of width*channels bytes, into
 * a PNG in memory at zlib `level` (0-9). Every libpng error is caught here, as for reading.
 * Returns 0 on success (`out->data` holds `out->size` bytes: free() it), 1 on a libpng error, 2 when
 * out of memory; on failure `out->data` is NULL.
 */
int chs_png_write(const unsigned char *pixels, uint32_t width, uint32_t height, int channels,
                                int level, chs_png_output *out) {
    memset(out, 0, sizeof *out);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, chs_png_on_error, chs_png_on_warning);
    if (png == NULL) return 2;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        return 2;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(out->data);
        out->data = NULL;
        out->size = 0;
        return out->out_of_memory ? 2 : 1;
    }
    png_set_write_fn(png, out, chs_png_on_write, chs_png_on_flush);
    png_set_compression_level(png, level);
    png_set_IHDR(png, info, width, height, 8, channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * stride));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}
