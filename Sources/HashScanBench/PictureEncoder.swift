#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CHashScanJPEG
internal import CHashScanPNGCodec

/// Encodes generated RGB pictures with the same libraries hashscan decodes with: libjpeg-turbo's
/// `tjCompress2` and libpng's writer (its error handling stays in C, see the PNG shim).
enum PictureEncoder {
    static func jpeg(_ rgb: [UInt8], width: Int, height: Int, quality: Int, chromaSubsampled: Bool) -> [UInt8]? {
        guard let handle = tjInitCompress() else { return nil }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let subsampling = chromaSubsampled ? TJSAMP_420 : TJSAMP_444
        let status = rgb.withUnsafeBufferPointer { source in
            tjCompress2(handle, source.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue),
                        &output, &size, Int32(subsampling.rawValue), Int32(quality), 0)
        }
        defer { if output != nil { tjFree(output) } }
        guard status == 0, let output else { return nil }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    static func png(_ rgb: [UInt8], width: Int, height: Int, level: Int = 6) -> [UInt8]? {
        var out = chs_png_output()
        let status = rgb.withUnsafeBufferPointer { source in
            chs_png_write(source.baseAddress, UInt32(width), UInt32(height), 3, Int32(level), &out)
        }
        defer { free(out.data) }
        guard status == 0, let data = out.data else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: out.size))
    }

    /// The libjpeg-turbo version its headers carry, e.g. "2.1.5"; nil when unknown.
    static var libjpegTurboVersion: String? {
        let number = Int(chs_jpeg_turbo_version_number())
        guard number > 0 else { return nil }
        return "\(number / 1_000_000).\(number / 1_000 % 1_000).\(number % 1_000)"
    }

    /// The libpng version loaded at run time.
    static var libpngVersion: String {
        png_get_libpng_ver(nil).map { String(cString: $0) } ?? "unknown"
    }
}
