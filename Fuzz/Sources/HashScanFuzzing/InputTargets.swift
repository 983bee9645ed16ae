import HashScanCore
import HashScanLists
import HashScanPipeline
import HashScanServer

/// The other readers of untrusted bytes: compiled lists, scan manifests, and the two request bodies the match
/// service parses itself.
enum InputTargets {
    static let all: [FuzzTarget] = [
        FuzzTarget("compiled-list", "the compiled-list reader past its checksums (the harness reseals every input): header, "
                   + "section table, metadata, indexes; then lookups in every index it opened", dictionary: "compiled") { compiled($0) },
        FuzzTarget("manifest", "scan manifests, JSON Lines or CSV with a header", dictionary: "json") { manifest($0) },
        FuzzTarget("multipart", "multipart/form-data upload bodies (first line: the Content-Type header value)",
                   dictionary: "multipart") { multipart($0) },
        FuzzTarget("hashes-request", "the JSON body of POST /v1/match/hashes, single and batch", dictionary: "json") { hashesRequest($0) },
        FuzzTarget("keys-file", "the service's API keys file (JSON Lines: id, SHA-256, scopes, rate), re-read on every reload",
                   dictionary: "json") { keysFile($0) },
    ]

    static func compiled(_ bytes: UnsafeRawBufferPointer) -> FuzzTarget.Outcome {
        var sealed = Array(bytes)
        CompiledListChecksum.reseal(&sealed)
        return sealed.withUnsafeBytes { sealedBytes in
            ScratchFile.with(sealedBytes, suffix: ".hsl") { path in
                guard let list = try? CompiledList(path: path) else { return .refused }
                fuzzCheck(list.verify(), "an opened list fails its own checksum")
                // Queries: all zeros, all ones, and hashes cut from the input, so the fuzzer can aim at entries.
                for algorithm in list.algorithms {
                    let width = algorithm.byteCount
                    var queries = [Digest(bytes: [UInt8](repeating: 0, count: width)), Digest(bytes: [UInt8](repeating: 0xFF, count: width))]
                    if sealed.count >= width { queries.append(Digest(bytes: sealed.suffix(width))) }
                    for query in queries {
                        for radius in algorithm.isCryptographic ? [0] : [0, 31, 256] {
                            for hit in list.query(algorithm, query, maxDistance: radius) {
                                checkHit(hit, query: query, radius: radius)
                            }
                        }
                        for hit in list.matches(for: FileHashes(digests: [algorithm: query])) {
                            checkHit(hit, query: query, radius: hit.threshold)
                        }
                    }
                    if algorithm.isCryptographic {
                        let counts = list.matchCounts(algorithm, queries)
                        fuzzCheck(counts.count == queries.count && counts.allSatisfy { $0 >= 0 }, "match counts \(counts)")
                    }
                }
                _ = list.entrySizes(.vpdq)
                return .accepted
            }
        }
    }

    /// A hit names the hash it matched, at the distance that hash really is from the query.
    private static func checkHit(_ hit: ListHit, query: Digest, radius: Int) {
        fuzzCheck(hit.reference.byteCount == query.byteCount, "\(hit.algorithm) hit of \(hit.reference.byteCount) bytes")
        let distance = zip(hit.reference.bytes, query.bytes).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
        fuzzCheck(hit.distance == distance, "hit reported at distance \(hit.distance), really \(distance)")
        fuzzCheck(distance <= max(radius, 0), "hit at distance \(distance) beyond radius \(radius)")
    }

    static func manifest(_ bytes: UnsafeRawBufferPointer) -> FuzzTarget.Outcome {
        ScratchFile.with(bytes, suffix: ".manifest") { path in
            var files = 0
            let finished = try? ManifestReader(path: path).forEach { entry in
                if case .malformed(let line, _) = entry { fuzzCheck(line >= 1, "malformed entry on line \(line)") } else { files += 1 }
                return true
            }
            return finished == true && files > 0 ? .accepted : .refused
        }
    }

    static func multipart(_ bytes: UnsafeRawBufferPointer) -> FuzzTarget.Outcome {
        let split = bytes.firstIndex(of: 0x0A) ?? bytes.count
        let contentType = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<split]), as: UTF8.self)
        let body = UnsafeRawBufferPointer(rebasing: bytes[min(split + 1, bytes.count)...])
        guard let boundary = try? MultipartBody.boundary(contentType: contentType),
              let range = try? MultipartBody.fileRange(in: body, boundary: boundary) else { return .refused }
        fuzzCheck(range.lowerBound >= 0 && range.upperBound <= body.count, "file range \(range) in a body of \(body.count) bytes")
        return .accepted
    }

    static func keysFile(_ bytes: UnsafeRawBufferPointer) -> FuzzTarget.Outcome {
        guard let text = String(validating: bytes, as: UTF8.self), let keys = try? KeysFile.parse(text) else { return .refused }
        fuzzCheck(!keys.isEmpty, "a keys file parsed to no key")
        for key in keys {
            fuzzCheck(!key.id.isEmpty && key.sha256.count == 32 && !key.scopes.isEmpty, "key \(key.id) out of shape")
            if let rate = key.ratePerSecond { fuzzCheck(rate > 0 && rate.isFinite, "rate \(rate)") }
            // What keygen writes for the key reads back as the same key.
            fuzzCheck((try? KeysFile.parse(KeysFile.line(for: key))) == [key], "key \(key.id) does not round-trip")
        }
        return .accepted
    }

    static let maxBatch = 64

    static func hashesRequest(_ bytes: UnsafeRawBufferPointer) -> FuzzTarget.Outcome {
        guard let request = try? HashesRequest.parse(Array(bytes), maxBatch: maxBatch) else { return .refused }
        fuzzCheck(request.items.count <= maxBatch, "\(request.items.count) items (batch limit \(maxBatch))")
        fuzzCheck(request.isBatch || request.items.count == 1, "a single request of \(request.items.count) items")
        for item in request.items {
            for (algorithm, digest) in item.hashes.digests {
                fuzzCheck(digest.byteCount == algorithm.byteCount, "\(algorithm) of \(digest.byteCount) bytes")
            }
            if let quality = item.hashes.pdqQuality { fuzzCheck((0...100).contains(quality), "pdq_quality \(quality)") }
        }
        return .accepted
    }
}
