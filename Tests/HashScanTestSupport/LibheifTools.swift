import Foundation

/// libheif's example tools (Debian's libheif-examples, installed by scripts/setup): `heif-enc` makes the HEIC and
/// AVIF files the tests read, `heif-convert` gives libheif's own decode of them.
public enum LibheifTools {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `name` with `arguments` in `directory`; a missing tool or a failure throws, saying which (never a skip).
    public static func run(_ name: String, _ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let hint = process.terminationStatus == 127 ? " (not installed: run scripts/setup, which installs libheif-examples)" : ""
            throw Failure(description: "\(name) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)\(hint): \(message.prefix(500))")
        }
    }

    /// `heif-enc` on `source` (PNG or JPEG bytes) in a scratch folder: the encoded file's bytes.
    public static func encode(_ source: [UInt8], sourceSuffix: String = "png", as suffix: String, options: [String] = ["-q", "85"]) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-heif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(source).write(to: folder.appendingPathComponent("in.\(sourceSuffix)"))
        try run("heif-enc", options + ["in.\(sourceSuffix)", "-o", "out.\(suffix)"], in: folder)
        return [UInt8](try Data(contentsOf: folder.appendingPathComponent("out.\(suffix)")))
    }
}
