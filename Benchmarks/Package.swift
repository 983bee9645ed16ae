// swift-tools-version: 6.1
// hashscan's benchmarks: a package of their own so the main build and CI stay light.
// Run from this folder: swift package --disable-sandbox benchmark   (see README.md)
import PackageDescription

let package = Package(
    name: "HashScanBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named explicitly: a path dependency is otherwise known by its folder name, which differs between clones.
        .package(name: "hashscan", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "HashingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "HashScan", package: "hashscan"),
            ],
            path: "Benchmarks/HashingBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // Image decode + PDQ micro-benchmarks (issue #3). HashScanImaging is package-internal, so the decode-only
        // benchmarks reach TurboJPEG and libpng through a module map of their own (CCodecs).
        .systemLibrary(name: "CImagingBenchmarkCodecs", path: "Benchmarks/ImagingBenchmarks/CCodecs", pkgConfig: "libturbojpeg"),
        .executableTarget(
            name: "ImagingBenchmarks",
            dependencies: [
                "CImagingBenchmarkCodecs",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "HashScan", package: "hashscan"),
            ],
            path: "Benchmarks/ImagingBenchmarks",
            exclude: ["CCodecs"],
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        // Compiled-list measurements for issue #4 (driven by scripts/compare-lists.sh; builds without ordo-one).
        .executableTarget(
            name: "ListBench",
            dependencies: [.product(name: "HashScan", package: "hashscan")],
            path: "Sources/ListBench"
        ),
        .executableTarget(
            name: "ListsBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "HashScan", package: "hashscan"),
            ],
            path: "Benchmarks/ListsBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ]
)
