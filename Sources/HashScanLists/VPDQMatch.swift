/// How a video matched a vPDQ list entry (both are sets of frame hashes): the share of the query's distinct
/// frames (quality at least the minimum) within the threshold of one of the entry's frames, the share of the
/// entry's frames matched by the query, and the query's time ranges that matched.
public struct VPDQMatch: Sendable, Equatable {
    public var queryPercent: Double
    public var entryPercent: Double
    public var queryFramesMatched: Int
    public var queryFrames: Int
    public var entryFramesMatched: Int
    public var entryFrames: Int
    /// Seconds of the query, first and last matched frame of each run of matched frames.
    public var ranges: [Range]

    public struct Range: Sendable, Equatable {
        public var start: Double
        public var end: Double
        public init(start: Double, end: Double) {
            self.start = start
            self.end = end
        }
    }

    public init(queryPercent: Double, entryPercent: Double, queryFramesMatched: Int, queryFrames: Int,
                entryFramesMatched: Int, entryFrames: Int, ranges: [Range]) {
        self.queryPercent = queryPercent
        self.entryPercent = entryPercent
        self.queryFramesMatched = queryFramesMatched
        self.queryFrames = queryFrames
        self.entryFramesMatched = entryFramesMatched
        self.entryFrames = entryFrames
        self.ranges = ranges
    }
}
