import ArgumentParser
import Foundation
import HashScanCore
import HashScanPipeline

/// Options shared by every command that walks files.
struct WalkingOptions: ParsableArguments {
    @Flag(name: .long, help: "Read paths from standard input, one per line.")
    var stdin = false

    @Flag(name: [.customShort("0"), .long], help: "With --stdin: paths are NUL-separated (find -print0).")
    var null = false

    @Flag(name: .long, help: "Follow symbolic links met while walking (loops are detected and reported).")
    var followSymlinks = false

    @Option(name: [.short, .long], help: "Files processed at once (default: the number of cores).")
    var jobs: Int?

    @Flag(name: .long, help: "Never show the progress line (it is shown only when stderr is a terminal).")
    var noProgress = false

    func validate() throws {
        if null && !stdin { throw ValidationError("-0 applies to --stdin") }
        if let jobs, jobs < 1 || jobs > 1024 { throw ValidationError("--jobs must be between 1 and 1024") }
    }

    var standardInputPaths: ScanInput? {
        stdin ? .pathsFromStandardInput(separator: null ? 0 : UInt8(ascii: "\n")) : nil
    }

    func apply(to options: inout ScanOptions) {
        options.followSymlinks = followSymlinks
        options.showProgress = !noProgress && isatty(STDERR_FILENO) == 1
    }
}

func parseAlgorithms(_ text: String) throws -> [HashAlgorithm] {
    do {
        let parsed = try HashAlgorithm.parseList(text)
        if let perceptual = parsed.first(where: { !$0.isCryptographic }) {
            throw ValidationError("\(perceptual.rawValue) is not available yet in this build")
        }
        return parsed
    } catch let failure as ParseFailure {
        throw ValidationError(failure.reason)
    }
}

/// Runs a scan with a closed-stdout pipe treated as a quiet stop rather than a crash.
func runScan(_ scanner: ScanRunner, inputs: [ScanInput]) throws -> ScanSummary {
    signal(SIGPIPE, SIG_IGN)
    do {
        return try scanner.run(inputs: inputs)
    } catch {
        printError("cannot start: \(error)")
        throw ExitCode(ExitStatus.software)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("hashscan: \(message)\n".utf8))
}
