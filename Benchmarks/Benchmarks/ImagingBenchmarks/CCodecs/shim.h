// The C libraries hashscan decodes with (TurboJPEG, libpng), for ImagingBenchmarks: the decode-only
// benchmarks and the encoder of the generated test images. (HashScanImaging's API is package-internal.)
#include <turbojpeg.h>
#include <png.h>
