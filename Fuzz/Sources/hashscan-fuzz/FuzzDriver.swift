import Foundation
import HashScanFuzzing

/// `hashscan-fuzz TARGET [libFuzzer options and corpus folders]` when built for fuzzing (scripts/fuzz), and
/// `hashscan-fuzz TARGET FILE|FOLDER…` otherwise: runs the inputs once each through the target and prints what
/// it made of them, to replay a crash without the fuzzer. `hashscan-fuzz --list` names the targets.
@main
struct FuzzDriver {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else { usage() }
        if arguments[1] == "--list" {
            for target in FuzzTarget.all { print("\(target.name)\t\(target.dictionary ?? "-")\t\(target.summary)") }
            return
        }
        if arguments[1] == "--write-compiled-seeds", arguments.count == 3 {
            do { try CompiledSeeds.write(to: arguments[2]) } catch {
                FileHandle.standardError.write(Data("hashscan-fuzz: \(error)\n".utf8))
                exit(73)
            }
            return
        }
        guard let target = FuzzTarget.named(arguments[1]) else {
            FileHandle.standardError.write(Data("hashscan-fuzz: no target named \(arguments[1])\n".utf8))
            usage()
        }
        #if HASHSCAN_LIBFUZZER
        runFuzzer(target)
        #else
        replay(target, Array(arguments.dropFirst(2)))
        #endif
    }

    static func usage() -> Never {
        FileHandle.standardError.write(Data("usage: hashscan-fuzz --list | --write-compiled-seeds FOLDER | TARGET [INPUT…]\n".utf8))
        exit(64)
    }

    static func replay(_ target: FuzzTarget, _ paths: [String]) {
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("hashscan-fuzz: \(path): not found\n".utf8))
                exit(66)
            }
            if isFolder.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.sorted().map { "\(path)/\($0)" }
            } else {
                files.append(path)
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let outcome = data.withUnsafeBytes { target.run($0) }
            print("\(outcome)\t\(file)")
        }
    }
}

#if HASHSCAN_LIBFUZZER
/// libFuzzer's entry point when the program has its own main (SwiftPM links executables with one).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// The target libFuzzer calls; set once before the fuzzer starts.
nonisolated(unsafe) private var selected: FuzzTarget?

extension FuzzDriver {
    static func runFuzzer(_ target: FuzzTarget) -> Never {
        selected = target
        // libFuzzer sees the program name and everything after the target name.
        var arguments = [CommandLine.arguments[0]] + CommandLine.arguments.dropFirst(2)
        var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var count = Int32(arguments.count)
        let status = pointers.withUnsafeMutableBufferPointer { buffer in
            var base = buffer.baseAddress!
            return LLVMFuzzerRunDriver(&count, &base) { data, size in
                _ = selected!.run(UnsafeRawBufferPointer(start: data, count: size))
                return 0
            }
        }
        arguments.removeAll()
        exit(status)
    }
}
#endif
