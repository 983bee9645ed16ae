import Foundation
import HashScanCore
import HashScanLists
import HashScanPipeline
import HashScanVideo

/// The response bodies of docs/api.md, written with the scan records' builder and hashes layout
/// (`RecordEncoder.appendHashes`), so a hash reads the same in `hashscan hash` output and in an API answer.
enum APIEncoder {
    /// A verdict for one upload or one set of given hashes.
    /// `distances`: whether the key may see each hit's distance and threshold (`match:distance`).
    static func verdict(_ hits: [ListHit], hashes: FileHashes?, size: UInt64? = nil, image: ImageInfo? = nil, video: VideoInfo? = nil,
                        imageError: ScanError? = nil, id: String? = nil, requestID: String? = nil, distances: Bool) -> [UInt8] {
        var json = JSONLineBuilder()
        appendVerdict(hits, hashes: hashes, size: size, image: image, video: video, imageError: imageError, id: id,
                      requestID: requestID, distances: distances, to: &json)
        json.finishLine()
        return json.bytes
    }

    static func appendVerdict(_ hits: [ListHit], hashes: FileHashes?, size: UInt64? = nil, image: ImageInfo? = nil,
                              video: VideoInfo? = nil, imageError: ScanError? = nil, id: String? = nil, requestID: String? = nil,
                              distances: Bool, to json: inout JSONLineBuilder) {
        json.beginObject()
        if let requestID { json.field("request_id", requestID) }
        if let id { json.field("id", id) }
        json.key("match")
        json.bool(!hits.isEmpty)
        RecordEncoder.appendHits(hits, withReference: false, withDistance: distances, to: &json)
        if let size { json.field("size", size) }
        if let hashes { RecordEncoder.appendHashes(hashes, to: &json) }
        if let image { RecordEncoder.appendImage(image, to: &json) }
        if let video { RecordEncoder.appendVideo(video, to: &json) }
        if let imageError { RecordEncoder.appendError("image_error", code: imageError.code.rawValue, message: imageError.message, to: &json) }
        json.endObject()
    }

    /// The answer to a batch: one verdict per item, in request order.
    static func batch(_ items: [(id: String?, hits: [ListHit])], requestID: String, distances: Bool) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("request_id", requestID)
        json.key("match")
        json.bool(items.contains { !$0.hits.isEmpty })
        json.key("results")
        json.beginArray()
        for item in items { appendVerdict(item.hits, hashes: nil, id: item.id, distances: distances, to: &json) }
        json.endArray()
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    /// The answer to `/v1/hash`.
    static func hashes(_ file: HashedFile, requestID: String) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("request_id", requestID)
        json.field("size", file.size)
        RecordEncoder.appendHashes(file.hashes, to: &json)
        if let image = file.image { RecordEncoder.appendImage(image, to: &json) }
        if let video = file.video { RecordEncoder.appendVideo(video, to: &json) }
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    /// Just the `hashes` object (carried by an error answer when something was computed).
    static func hashesObject(_ hashes: FileHashes) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        RecordEncoder.appendHashes(hashes, to: &json)
        json.endObject()
        // `{"hashes":{…}}` → `{…}`
        return Array(json.bytes.dropFirst(10).dropLast())
    }

    /// `GET /v1/lists`: names, versions, sizes and algorithms; never an entry.
    static func lists(_ loaded: LoadedLists) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("generation", loaded.generation)
        json.field("loaded_at", timestamp(loaded.loadedAt))
        json.key("lists")
        json.beginArray()
        for list in loaded.lists {
            json.beginObject()
            json.field("name", list.name)
            if let version = list.version { json.field("version", version) }
            json.field("entries", list.entries)
            json.key("algorithms")
            json.beginArray()
            for algorithm in list.matcher.algorithms.sorted() { json.string(algorithm.rawValue) }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    static func status(_ status: String, generation: Int? = nil, lists: Int? = nil) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("status", status)
        if let generation { json.field("generation", generation) }
        if let lists { json.field("lists", lists) }
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    /// One audit record: who asked, what was asked (hashes only), what was answered.
    static func audit(time: Date, requestID: String, keyID: String, route: String, itemID: String?, hashes: FileHashes,
                      hits: [ListHit]) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("time", timestamp(time))
        json.field("request_id", requestID)
        json.field("key_id", keyID)
        json.field("route", route)
        if let itemID { json.field("id", itemID) }
        json.key("match")
        json.bool(!hits.isEmpty)
        RecordEncoder.appendHashes(hashes, to: &json)
        RecordEncoder.appendHits(hits, withReference: false, to: &json)
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    /// The audit event for a key that looks to be walking an entry's hash (`ProbeDetector`): who, which entry,
    /// how many near-edge queries in how long. Never a hash.
    static func probeAudit(time: Date, alert: ProbeDetector.Alert) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("time", timestamp(time))
        json.field("event", "probe_suspected")
        json.field("key_id", alert.keyID)
        json.field("list", alert.list)
        json.field("entry", alert.entry)
        json.field("algorithm", alert.algorithm.rawValue)
        json.field("queries", alert.queries)
        json.field("seconds", alert.seconds)
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        let since1970 = date.timeIntervalSince1970
        var seconds = time_t(since1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = min(999, Int((since1970 - Double(seconds)) * 1000))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }
}
