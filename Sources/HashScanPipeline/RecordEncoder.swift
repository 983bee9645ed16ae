import Foundation
import HashScanCore
import HashScanLists
import HashScanVideo

/// Encodes results as the JSON Lines records of docs/output-format.md. The single source of truth for record layout.
public enum RecordEncoder {
    /// Bumped when a field changes meaning; additions keep the version.
    public static let schemaVersion = 1

    package enum HashedKind: String { case file, match, error }

    /// A file's record, with its kind (which decides where it goes) and, for a match, its idempotency keys.
    package struct Encoded {
        package var kind: HashedKind
        package var bytes: [UInt8]
        package var keys: MatchKeys?
    }

    /// The one rule for which record a result gets, for every front end: a match record when it hit a list (with
    /// its keys), an error record when it failed or its content could not be analysed (with the digests it did
    /// get), a file record for a clean file. Nil for a clean file when `includeClean` is false, and for a file
    /// finished by an earlier run of a resumed scan.
    package static func record(for result: FileResult, scanID: String, includeClean: Bool) -> Encoded? {
        switch result.outcome {
        case .hashed(let file):
            if !file.hits.isEmpty {
                let keys = MatchKeys(scanID: scanID, path: result.path, hits: file.hits)
                return Encoded(kind: .match, bytes: hashed(.match, result.path, file, context: result.context, keys: keys), keys: keys)
            }
            if file.imageError != nil {
                return Encoded(kind: .error, bytes: hashed(.error, result.path, file, context: result.context), keys: nil)
            }
            guard includeClean else { return nil }
            return Encoded(kind: .file, bytes: hashed(.file, result.path, file, context: result.context), keys: nil)
        case .failed(let failure):
            return Encoded(kind: .error, bytes: error(result.path, failure, context: result.context), keys: nil)
        case .resumed:
            return nil
        }
    }

    /// The idempotency keys of a match record: the record's and one per hit, in hit order.
    package struct MatchKeys {
        var scanID: String
        var record: String
        var hits: [String]

        package init(scanID: String, path: RawPath, hits: [ListHit]) {
            self.scanID = scanID
            self.hits = hits.map { IdempotencyKey.hit(scanID: scanID, path: path, list: $0.list, entry: $0.entry) }
            record = IdempotencyKey.record(scanID: scanID, path: path, hitKeys: self.hits)
        }
    }

    /// The record of a file that was read: `file` (clean), `match`, or `error` when its image could not be
    /// hashed perceptually (with the digests it did get, so nothing computed is lost).
    package static func hashed(_ kind: HashedKind, _ path: RawPath, _ file: HashedFile, context: FileContext? = nil, keys: MatchKeys? = nil) -> [UInt8] {
        let (size, hashes, image, imageError, hits) = (file.size, file.hashes, file.image, file.imageError, file.hits)
        var json = JSONLineBuilder()
        json.beginObject()
        switch kind {
        case .file: json.field("type", "file")
        case .match: json.field("type", "match")
        case .error: json.field("type", "error")
        }
        appendPath(path, context: context, to: &json)
        if kind == .match, let keys {
            json.field("scan_id", keys.scanID)
            json.field("idempotency_key", keys.record)
        }
        if kind == .error, let imageError {
            json.field("code", imageError.code.rawValue)
            json.field("message", imageError.message)
        }
        json.field("size", size)
        appendHashes(hashes, to: &json)
        if let image { appendImage(image, to: &json) }
        if let video = file.video { appendVideo(video, to: &json) }
        if let knownGood = file.knownGood { json.field("known_good", knownGood) }
        if kind == .match {
            if let imageError { appendError("image_error", code: imageError.code.rawValue, message: imageError.message, to: &json) }
            appendHits(hits, keys: keys?.hits, to: &json)
        }
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    /// The answer to one `lists query` hash.
    public static func query(algorithm: HashAlgorithm, hash: Digest, hits: [ListHit]) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("type", "query")
        json.field("algorithm", algorithm.rawValue)
        json.field("hash", hash.hex)
        json.key("match")
        json.bool(!hits.isEmpty)
        appendHits(hits, to: &json)
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    /// The `matches` array. `withReference: false` leaves out the list's own hash, `withDistance: false` the distance
    /// and threshold: the HTTP service's verdicts say nothing about a list beyond the verdict for the hash given, and
    /// only keys trusted with distances see them.
    package static func appendHits(_ hits: [ListHit], keys: [String]? = nil, withReference: Bool = true, withDistance: Bool = true,
                                   to json: inout JSONLineBuilder) {
        json.key("matches")
        json.beginArray()
        for (index, hit) in hits.enumerated() {
            json.beginObject()
            json.field("list", hit.list)
            if let version = hit.listVersion { json.field("list_version", version) }
            json.field("entry", hit.entry)
            if let category = hit.category { json.field("category", category) }
            json.field("algorithm", hit.algorithm.rawValue)
            if withDistance {
                json.field("distance", hit.distance)
                json.field("threshold", hit.threshold)
            }
            if withReference { json.field("reference", hit.reference.hex) }
            if let variant = hit.variant { json.field("pdq_variant", variant) }
            if let video = hit.vpdq {
                json.key("vpdq_query_percent")
                json.double(video.queryPercent, decimals: 1)
                json.key("vpdq_entry_percent")
                json.double(video.entryPercent, decimals: 1)
                json.field("vpdq_query_frames", video.queryFrames)
                json.field("vpdq_entry_frames", video.entryFrames)
                json.key("vpdq_ranges")
                json.beginArray()
                for range in video.ranges {
                    json.beginArray()
                    json.double(range.start)
                    json.double(range.end)
                    json.endArray()
                }
                json.endArray()
            }
            if let keys, index < keys.count { json.field("idempotency_key", keys[index]) }
            json.endObject()
        }
        json.endArray()
    }

    /// `"key":{"code":…,"message":…}`: how every nested error reads (records, queue entries, service answers).
    package static func appendError(_ key: StaticString, code: String, message: String, to json: inout JSONLineBuilder) {
        json.key(key)
        json.beginObject()
        json.field("code", code)
        json.field("message", message)
        json.endObject()
    }

    package static func error(_ path: RawPath, _ error: ScanError, context: FileContext? = nil) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("type", "error")
        appendPath(path, context: context, to: &json)
        json.field("code", error.code.rawValue)
        json.field("message", error.message)
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    static func summary(_ summary: ScanSummary) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("type", "summary")
        json.field("schema_version", schemaVersion)
        if let scanID = summary.scanID { json.field("scan_id", scanID) }
        if summary.run > 1 { json.field("run", summary.run) }
        json.field("files", summary.files)
        json.field("bytes", summary.bytes)
        json.field("files_reused", summary.filesReused)
        json.field("bytes_reused", summary.bytesReused)
        json.field("matches", summary.matchedFiles)
        if summary.run > 1 {
            json.field("files_resumed", summary.filesResumed)
            json.field("matches_earlier_runs", summary.earlierMatchedFiles)
            json.field("records_already_written", summary.recordsAlreadyWritten)
        }
        json.field("hits", summary.hits)
        json.field("errors", summary.errors)
        json.key("errors_by_code")
        json.beginObject()
        for (code, count) in summary.errorsByCode.sorted(by: { $0.key < $1.key }) {
            json.dynamicKey(code)
            json.number(count)
        }
        json.endObject()
        json.field("skipped_symlinks", summary.skippedSymlinks)
        json.field("images", summary.images)
        json.field("videos", summary.videos)
        json.field("known_good", summary.knownGood)
        json.field("pdq_low_quality", summary.lowQualityPDQ)
        json.key("seconds")
        json.double(summary.seconds)
        json.key("complete")
        json.bool(summary.complete)
        json.key("interrupted")
        json.bool(summary.interrupted)
        if let delivered = summary.webhookDelivered { json.field("webhook_delivered", delivered) }
        if let spooled = summary.webhookSpooled { json.field("webhook_spooled", spooled) }
        if let delivered = summary.sinkDelivered { json.field("sink_delivered", delivered) }
        if let spooled = summary.sinkSpooled { json.field("sink_spooled", spooled) }
        json.key("lists")
        json.beginArray()
        for list in summary.lists {
            json.beginObject()
            json.field("name", list.name)
            if let version = list.version { json.field("version", version) }
            json.field("entries", list.entries)
            json.endObject()
        }
        json.endArray()
        json.field("exit_code", summary.exitCode)
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    /// A UTF-8 path is written as is; any other is written lossily in `path` and exactly in `path_base64`.
    /// A manifest's `locator` and other fields follow the path.
    private static func appendPath(_ path: RawPath, context: FileContext? = nil, to json: inout JSONLineBuilder) {
        json.field("path", path.string)
        if !path.isValidUTF8 {
            json.field("path_base64", Data(path.bytes).base64EncodedString())
        }
        guard let context else { return }
        if let locator = context.locator { json.field("locator", locator) }
        if !context.extras.isEmpty {
            json.key("extra")
            json.beginObject()
            for (name, value) in context.extras {
                json.dynamicKey(name)
                json.rawJSON(value)
            }
            json.endObject()
        }
    }

    /// The `image` object: format, dimensions and EXIF orientation (records and the service's answers).
    package static func appendImage(_ image: ImageInfo, to json: inout JSONLineBuilder) {
        json.key("image")
        json.beginObject()
        json.field("format", image.format)
        json.field("width", image.width)
        json.field("height", image.height)
        json.field("orientation", image.orientation)
        json.endObject()
    }

    package static func appendHashes(_ hashes: FileHashes, to json: inout JSONLineBuilder) {
        json.key("hashes")
        json.beginObject()
        for algorithm in HashAlgorithm.allCases {
            guard let digest = hashes[algorithm] else { continue }
            json.key(algorithm.jsonKey)
            json.string(digest.hex)
            if algorithm == .pdq {
                if let quality = hashes.pdqQuality { json.field("pdq_quality", quality) }
                if let convention = hashes.pdqConvention { json.field("pdq_convention", convention) }
                if let variants = hashes.pdqDihedral {
                    json.key("pdq_dihedral")
                    json.beginArray()
                    for variant in variants { json.string(variant.hex) }
                    json.endArray()
                }
            }
        }
        if let frames = hashes.vpdq {
            json.key("vpdq")
            json.beginArray()
            for frame in frames {
                json.beginObject()
                json.field("frame", frame.frame)
                json.key("timestamp")
                json.double(frame.timestamp)
                json.field("pdq", frame.pdq.hex)
                json.field("quality", frame.quality)
                json.endObject()
            }
            json.endArray()
        }
        json.endObject()
    }

    /// The `video` object: container, codec, dimensions, duration, frame rate, frames decoded and hashed.
    package static func appendVideo(_ video: VideoInfo, to json: inout JSONLineBuilder) {
        json.key("video")
        json.beginObject()
        json.field("container", video.container)
        json.field("codec", video.codec)
        json.field("width", video.width)
        json.field("height", video.height)
        if let duration = video.duration {
            json.key("duration")
            json.double(duration)
        }
        json.key("frame_rate")
        json.double(video.frameRate)
        json.field("frames_decoded", video.framesDecoded)
        json.field("frames_hashed", video.framesHashed)
        json.endObject()
    }
}

extension HashAlgorithm {
    /// The JSON key: the algorithm's fixed name.
    var jsonKey: StaticString {
        switch self {
        case .md5: "md5"
        case .sha1: "sha1"
        case .sha256: "sha256"
        case .pdq: "pdq"
        case .phash: "phash"
        case .dhash: "dhash"
        case .ahash: "ahash"
        case .vpdq: "vpdq"
        }
    }
}
