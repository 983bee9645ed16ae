/// A per-file failure, reported as an `error` record; it never stops a run.
public struct ScanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable code, written as a string in JSON.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let notFound = Code(rawValue: "not_found")
        public static let permissionDenied = Code(rawValue: "permission_denied")
        /// A FIFO, socket, device or other file that is not a regular file; never opened for reading.
        public static let notRegular = Code(rawValue: "not_regular")
        public static let symlinkLoop = Code(rawValue: "symlink_loop")
        /// The file changed size while it was being read; its hashes would describe no real content.
        public static let modifiedDuringRead = Code(rawValue: "modified_during_read")
        public static let unsupportedFormat = Code(rawValue: "unsupported_format")
        public static let corruptImage = Code(rawValue: "corrupt_image")
        /// A video container or stream that cannot be decoded (its digests still count).
        public static let corruptVideo = Code(rawValue: "corrupt_video")
        /// Decoding took longer than its wall-clock budget (a hostile or endless stream).
        public static let timedOut = Code(rawValue: "timed_out")
        public static let tooLarge = Code(rawValue: "too_large")
        public static let io = Code(rawValue: "io")
        /// A manifest line that names no usable file (not JSON, no path, wrong field count).
        public static let invalidManifest = Code(rawValue: "invalid_manifest")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
