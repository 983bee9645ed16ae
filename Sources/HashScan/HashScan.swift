// The public library: hash a buffer, open a list, match, scan, in-process.
@_exported import HashScanCore
@_exported import HashScanHashing
@_exported import HashScanLists
@_exported import HashScanPipeline
@_exported import HashScanVideo
