// swift-tools-version: 6.0
// hashscan: a high-throughput content hash-matching scanner.
// Heavy dependencies stay in the targets that need them; the benchmark package is nested in Benchmarks/.
import PackageDescription

let package = Package(
    name: "hashscan",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HashScan", targets: ["HashScan"]),
        .executable(name: "hashscan", targets: ["hashscan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Already in the graph through Hummingbird; named for the TLS target, the only one that links NIOSSL.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        // C libraries, one shim target each, found through pkg-config.
        .systemLibrary(name: "CHashScanOpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CHashScanJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CHashScanPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CHashScanWebP", pkgConfig: "libwebp", providers: [.apt(["libwebp-dev"])]),
        // giflib ships no pkg-config file on Debian 12: the module map links it by name.
        .systemLibrary(name: "CHashScanGIF", providers: [.apt(["libgif-dev"])]),
        .systemLibrary(name: "CHashScanHEIF", pkgConfig: "libheif", providers: [.apt(["libheif-dev"])]),
        .systemLibrary(name: "CHashScanSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CHashScanFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),

        // libpng's longjmp-based errors kept in C: the PNG reader and writer (logic in a .c file, over CHashScanPNG).
        .target(name: "CHashScanPNGCodec", dependencies: ["CHashScanPNG"], linkerSettings: [.linkedLibrary("png16")]),
        // FFmpeg decoding from memory with limits and a time budget (logic in a .c file, over CHashScanFFmpeg).
        .target(
            name: "CHashScanVideo", dependencies: ["CHashScanFFmpeg"],
            linkerSettings: [.linkedLibrary("avformat"), .linkedLibrary("avcodec"), .linkedLibrary("swscale"), .linkedLibrary("avutil")]
        ),
        // Header-only C helpers (a cache prefetch hint) for the list indexes.
        .target(name: "CHashScanSupport"),
        .target(name: "HashScanCore"),
        .target(name: "HashScanHashing", dependencies: ["HashScanCore", "CHashScanOpenSSL"]),
        .target(
            name: "HashScanImaging",
            dependencies: ["HashScanCore", "CHashScanJPEG", "CHashScanPNGCodec", "CHashScanWebP", "CHashScanGIF", "CHashScanHEIF"]
        ),
        // Video: FFmpeg decoding and vPDQ; the only Swift module that links FFmpeg.
        .target(name: "HashScanVideo", dependencies: ["HashScanCore", "HashScanHashing", "CHashScanVideo"]),
        .target(name: "HashScanLists", dependencies: ["HashScanCore", "HashScanHashing", "CHashScanSQLite", "CHashScanSupport"]),
        .target(
            name: "HashScanPipeline",
            dependencies: ["HashScanCore", "HashScanHashing", "HashScanImaging", "HashScanVideo", "HashScanLists"]
        ),
        // `hashscan bench`: throughput of every stage on the user's machine, storage and lists.
        .target(
            name: "HashScanBench",
            dependencies: ["HashScanCore", "HashScanHashing", "HashScanImaging", "HashScanLists", "HashScanPipeline",
                           "CHashScanJPEG", "CHashScanPNGCodec", "CHashScanWebP"]
        ),
        .target(
            name: "HashScan",
            dependencies: ["HashScanCore", "HashScanHashing", "HashScanImaging", "HashScanVideo", "HashScanLists", "HashScanPipeline"]
        ),
        // The PostgreSQL takedown sink and work queue; the only library target that links postgres-nio.
        .target(
            name: "HashScanPostgres",
            dependencies: ["HashScanCore", "HashScanLists", "HashScanPipeline", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // The HTTP match service; the only library target that links Hummingbird.
        .target(
            name: "HashScanServer",
            dependencies: [
                "HashScanCore", "HashScanHashing", "HashScanLists", "HashScanVideo", "HashScanPipeline",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
            ]
        ),
        // TLS for the match service (certificate and key from files, reloaded on SIGHUP); the only target that links
        // swift-nio-ssl (BoringSSL), so the fuzz build and the library never compile it.
        .target(
            name: "HashScanServerTLS",
            dependencies: [
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "hashscan",
            dependencies: [
                "HashScanPipeline",
                "HashScanServer",
                "HashScanServerTLS",
                "HashScanPostgres",
                "HashScanBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The fuzz targets (Fuzz/README.md): harnesses over every parser of hostile input, and the program that
        // runs them under libFuzzer (scripts/fuzz) or replays inputs through them; in no product.
        .target(
            name: "HashScanFuzzing",
            dependencies: ["HashScanCore", "HashScanHashing", "HashScanImaging", "HashScanVideo", "HashScanLists", "HashScanPipeline",
                           "HashScanServer"],
            path: "Fuzz/Sources/HashScanFuzzing"
        ),
        .executableTarget(name: "hashscan-fuzz", dependencies: ["HashScanFuzzing"], path: "Fuzz/Sources/hashscan-fuzz"),

        // What several test targets build inputs with (animated GIF and WebP clips, libheif's tools); in no product.
        .target(name: "HashScanTestSupport", dependencies: ["CHashScanGIF", "CHashScanWebP"], path: "Tests/HashScanTestSupport"),
        .testTarget(name: "HashScanCoreTests", dependencies: ["HashScanCore"]),
        .testTarget(name: "HashScanHashingTests", dependencies: ["HashScanHashing", "HashScanImaging"], exclude: ["Fixtures"]),
        .testTarget(
            name: "HashScanImagingTests",
            // The tests encode their own images in memory through the same C libraries.
            dependencies: ["HashScanImaging", "HashScanHashing", "HashScanTestSupport", "CHashScanJPEG", "CHashScanPNG", "CHashScanGIF", "CHashScanWebP"]
        ),
        .testTarget(name: "HashScanListsTests", dependencies: ["HashScanLists"]),
        .testTarget(name: "HashScanVideoTests", dependencies: ["HashScanVideo", "HashScanCore"]),
        .testTarget(name: "HashScanPipelineTests", dependencies: ["HashScanPipeline"]),
        .testTarget(name: "HashScanCLITests", dependencies: ["hashscan", "HashScanCore", "HashScanPostgres", "HashScanTestSupport"]),
        .testTarget(name: "HashScanLibraryTests", dependencies: ["HashScan"]),
        .testTarget(name: "HashScanServerTests", dependencies: ["HashScanServer", "HashScanServerTLS", "HashScanPipeline", "HashScanLists", "HashScanCore", "HashScanTestSupport"]),
        .testTarget(name: "HashScanFuzzingTests", dependencies: ["HashScanFuzzing"]),
        .testTarget(name: "HashScanPostgresTests", dependencies: ["HashScanPostgres", "HashScanPipeline", "HashScanCore"]),
    ]
)
