import Foundation
import HashScanHashing
internal import CHashScanWebP

extension MachineFacts {
    /// What someone comparing two machines needs: CPU model and flags from /proc/cpuinfo, online cores,
    /// memory and kernel.
    static func current() -> MachineFacts {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        var model = "unknown"
        var flags = Set<String>()
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if model == "unknown", parts[0] == "model name" || parts[0] == "Model" { model = parts[1] }
            if flags.isEmpty, parts[0] == "flags" || parts[0] == "Features" { flags = Set(parts[1].split(separator: " ").map(String.init)) }
        }
        var facts = utsname()
        uname(&facts)
        let system = withUnsafeBytes(of: &facts.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let release = withUnsafeBytes(of: &facts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = withUnsafeBytes(of: &facts.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let isARM = machine.hasPrefix("aarch64") || machine.hasPrefix("arm")
        let relevant = isARM ? ["sha2", "asimd"] : ["sha_ni", "avx2", "avx512f"]
        return MachineFacts(
            cpuModel: model,
            cpuFlags: Dictionary(uniqueKeysWithValues: relevant.map { ($0, flags.contains($0)) }),
            cores: max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))),
            memoryBytes: max(0, sysconf(Int32(_SC_PHYS_PAGES))) * max(0, sysconf(Int32(_SC_PAGESIZE))),
            os: "\(system) \(release) \(machine)"
        )
    }
}

enum LibraryVersions {
    /// From the libraries' own version calls; libjpeg-turbo 2 has none, so its headers' number.
    static func current() -> [String: String] {
        let webp = Int(WebPGetDecoderVersion())
        var versions = [
            "openssl": MultiDigester.openSSLVersion,
            "libpng": PictureEncoder.libpngVersion,
            "libwebp": "\(webp >> 16).\(webp >> 8 & 0xFF).\(webp & 0xFF)",
        ]
        versions["libjpeg_turbo"] = PictureEncoder.libjpegTurboVersion ?? "unknown"
        return versions
    }
}
