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
    ]
)
