import HashScanCore

@testable import HashScanImaging

/// Decoding helpers shared by the generated-input tests.
enum Decode {
    static func result(_ bytes: [UInt8], as format: ImageFormat? = nil, _ decoder: ImageDecoder = ImageDecoder())
        -> Result<DecodedImage, ScanError>
    {
        bytes.withUnsafeBytes { raw in
            if let format { return decoder.decode(raw, as: format) }
            return decoder.decode(raw)
        }
    }

    static func image(_ bytes: [UInt8], _ decoder: ImageDecoder = ImageDecoder()) throws -> DecodedImage {
        try result(bytes, decoder).get()
    }

    static func errorCode(_ bytes: [UInt8], as format: ImageFormat? = nil, _ decoder: ImageDecoder = ImageDecoder())
        -> ScanError.Code?
    {
        if case .failure(let error) = result(bytes, as: format, decoder) { return error.code }
        return nil
    }

    static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        bytes.withUnsafeBytes { ImageFormat.sniff($0) }
    }

    static func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count)
        var total = 0
        for (x, y) in zip(a, b) { total += abs(Int(x) - Int(y)) }
        return Double(total) / Double(max(1, a.count))
    }
}
