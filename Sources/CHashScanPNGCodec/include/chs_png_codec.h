#ifndef CHASHSCAN_PNG_CODEC_H
#define CHASHSCAN_PNG_CODEC_H
#include <png.h>
#include <stddef.h>
#include <stdint.h>

/*
 * libpng reports errors with longjmp, which must never cross a Swift frame. The helpers below keep
 * every setjmp/longjmp inside C and hand Swift plain return codes. We use libpng's low-level API
 * (not png_image_*) because the simplified API converts grey in linear light, applies file gamma and
 * composites alpha; hashing needs the stored sample values untouched, alpha dropped.
 */

/* One reader per decoder, at a stable address (libpng keeps a pointer to it between calls). */
typedef struct chs_png_reader {
    png_structp png;
    png_infop info;
    const unsigned char *data;
    size_t size;
    size_t offset;
    png_uint_32 width;
    png_uint_32 height;
    int bit_depth;      /* as stored: 1, 2, 4, 8 or 16 */
    int color_type;     /* PNG_COLOR_TYPE_* as stored */
    int interlaced;
    int has_trns;
    int passes;
    int out_channels;   /* after our transforms: 1 (grey) or 3 (RGB) */
    size_t out_rowbytes;
    char message[160];
} chs_png_reader;

/* The writer's output: a malloc'd buffer that grows as libpng writes (the caller frees `data`). */
typedef struct chs_png_output {
    unsigned char *data;
    size_t size;
    size_t capacity;
    int out_of_memory;
} chs_png_output;

/* Frees libpng state; safe to call repeatedly. */
void chs_png_reader_release(chs_png_reader *r);

/*
 * Reads the signature and every chunk up to the first IDAT, and records the IHDR fields. Nothing
 * sized by the image is allocated here, so the caller can check its pixel limit first.
 * Returns 0 on success, 1 on a libpng error (message set), 2 when libpng could not allocate.
 */
int chs_png_read_header(chs_png_reader *r, const void *data, size_t size);

/*
 * Decodes every row to 8-bit grey or RGB with the stored values kept (details in png_codec.c) into `out`
 * (height rows of `stride` bytes), then reads the chunks through IEND.
 * Returns 0 on success, 1 on a libpng error (message set), 3 when the row layout is not `stride`.
 */
int chs_png_read_pixels(chs_png_reader *r, unsigned char *out, size_t stride);

/* The eXIf payload (TIFF header onwards) if the file had one; length 0 otherwise. */
const unsigned char *chs_png_exif(chs_png_reader *r, uint32_t *length);

/*
 * Encodes 8-bit grey (channels 1) or RGB (channels 3) pixels into a PNG in memory at zlib `level` (0-9).
 * Returns 0 on success (`out->data` holds `out->size` bytes: free() it), 1 on a libpng error, 2 when
 * out of memory; on failure `out->data` is NULL.
 */
int chs_png_write(const unsigned char *pixels, uint32_t width, uint32_t height, int channels, int level,
                  chs_png_output *out);

#endif
