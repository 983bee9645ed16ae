// Hashing micro-benchmarks (issue #2): the one-pass MD5+SHA-1+SHA-256 digester against each digest alone,
// and the per-message cost at the buffer sizes a batch of small files produces.
//
// Every benchmark digests exactly 1 MiB per iteration (one 1 MiB message, 16 messages of 64 KiB or 256 messages
// of 4 KiB), so the `throughput` metric (iterations per second) reads directly as MiB/s.
// Run from Benchmarks/: swift package --disable-sandbox benchmark (see README.md).

import Benchmark
import HashScan

/// Deterministic, incompressible-looking test data (xorshift64*), so runs are comparable.
private func pseudoRandomBytes(count: Int, seed: UInt64 = 42) -> UnsafeMutableRawBufferPointer {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 64)
    var state = seed | 1
    for index in 0..<count {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        buffer[index] = UInt8(truncatingIfNeeded: (state &* 0x2545_F491_4F6C_DD1D) >> 56)
    }
    return buffer
}

private let mebibyte = 1 << 20

/// Data shared by every benchmark; read-only after creation.
private nonisolated(unsafe) let data = UnsafeRawBufferPointer(pseudoRandomBytes(count: mebibyte))

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )

    let trio: [HashAlgorithm] = [.md5, .sha1, .sha256]

    /// 1 MiB per iteration, as `1 MiB / messageSize` messages each digested from reset to finish.
    func registerMessages(_ name: String, algorithms: [HashAlgorithm], messageSize: Int) {
        Benchmark(name) { benchmark in
            let digester = try MultiDigester(algorithms: algorithms)
            let messages = mebibyte / messageSize
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                for message in 0..<messages {
                    let slice = UnsafeRawBufferPointer(rebasing: data[(message * messageSize)..<((message + 1) * messageSize)])
                    blackHole(digester.digests(of: slice))
                }
            }
            benchmark.stopMeasurement()
        }
    }

    // One pass, three digests: the pipeline's configuration.
    registerMessages("MultiDigester md5+sha1+sha256, 1 MiB message (MiB/s)", algorithms: trio, messageSize: mebibyte)
    registerMessages("MultiDigester md5+sha1+sha256, 64 KiB messages (MiB/s)", algorithms: trio, messageSize: 64 << 10)
    registerMessages("MultiDigester md5+sha1+sha256, 4 KiB messages (MiB/s)", algorithms: trio, messageSize: 4 << 10)

    // The pipeline's read pattern: one 1 MiB message fed in 256 KiB chunks (its read buffer size).
    Benchmark("MultiDigester md5+sha1+sha256, 1 MiB streamed in 256 KiB updates (MiB/s)") { benchmark in
        let digester = try MultiDigester(algorithms: trio)
        let chunk = 256 << 10
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            digester.reset()
            for offset in stride(from: 0, to: mebibyte, by: chunk) {
                digester.update(UnsafeRawBufferPointer(rebasing: data[offset..<(offset + chunk)]))
            }
            blackHole(digester.finish())
        }
        benchmark.stopMeasurement()
    }

    // Each digest alone: the sum of their times is what the one-pass trio cannot beat on one core.
    registerMessages("md5 alone, 1 MiB message (MiB/s)", algorithms: [.md5], messageSize: mebibyte)
    registerMessages("sha1 alone, 1 MiB message (MiB/s)", algorithms: [.sha1], messageSize: mebibyte)
    registerMessages("sha256 alone, 1 MiB message (MiB/s)", algorithms: [.sha256], messageSize: mebibyte)
}
