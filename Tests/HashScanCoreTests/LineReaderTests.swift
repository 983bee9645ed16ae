#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HashScanCore
import Testing

@Suite("LineReader")
struct LineReaderTests {
    /// Every line as text, the line numbers as they were after each, and whatever ended the reading.
    private func lines(_ reader: LineReader) -> (lines: [String], numbers: [Int], failure: LineReader.Failure?) {
        var lines: [String] = []
        var numbers: [Int] = []
        do {
            while let line = try reader.nextLine() {
                lines.append(String(decoding: line, as: UTF8.self))
                numbers.append(reader.lineNumber)
            }
            return (lines, numbers, nil)
        } catch {
            return (lines, numbers, error)
        }
    }

    private func reader(_ text: String, separator: UInt8 = UInt8(ascii: "\n"), stripsCarriageReturn: Bool = true,
                        maxLineBytes: Int = LineReader.defaultMaxLineBytes) -> LineReader {
        LineReader(bytes: Array(text.utf8), separator: separator, stripsCarriageReturn: stripsCarriageReturn, maxLineBytes: maxLineBytes)
    }

    /// A file holding `bytes`, read through a descriptor in chunks of `chunkSize`.
    private func fileReader(_ bytes: [UInt8], chunkSize: Int, maxLineBytes: Int, separator: UInt8 = UInt8(ascii: "\n")) throws -> (LineReader, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("linereader-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return (try LineReader(path: path, separator: separator, maxLineBytes: maxLineBytes, chunkSize: chunkSize), path)
    }

    @Test("a last line without a newline is a line; a final newline adds no empty line; empty lines count")
    func lastLine() {
        let unterminated = lines(reader("one\n\nthree"))
        #expect(unterminated.lines == ["one", "", "three"])
        #expect(unterminated.numbers == [1, 2, 3])
        #expect(unterminated.failure == nil)
        #expect(lines(reader("one\ntwo\n")).lines == ["one", "two"])
        #expect(lines(reader("")).lines == [])
        #expect(lines(reader("\n")).lines == [""])
    }

    @Test("CRLF: one \\r before the newline goes, other \\r stay; kept when asked")
    func crlf() {
        #expect(lines(reader("a\r\nb\r\r\nc\rd\ne\r")).lines == ["a", "b\r", "c\rd", "e"])
        #expect(lines(reader("a\r\nb\r", stripsCarriageReturn: false)).lines == ["a\r", "b\r"])
    }

    @Test("NUL separators: newlines and \\r are part of a name")
    func nulSeparators() {
        let read = lines(reader("with\nnewline\0plain\0cr\r\0last", separator: 0))
        #expect(read.lines == ["with\nnewline", "plain", "cr\r", "last"])
        #expect(read.numbers == [1, 2, 3, 4])
    }

    @Test("a line longer than the limit is an error value with its number and head; reading goes on after it")
    func longLineRefused() throws {
        let source = reader("short\n0123456789abc\nnext\n", maxLineBytes: 8)
        #expect(try source.nextLine() == Array("short".utf8))
        #expect(throws: LineReader.Failure.lineTooLong(line: 2, limit: 8, head: Array("01234567".utf8))) { try source.nextLine() }
        #expect(try source.nextLine() == Array("next".utf8))
        #expect(source.lineNumber == 3)
        #expect(try source.nextLine() == nil)

        // Exactly the limit is a line, with or without the \r of CRLF; one more byte is not.
        #expect(lines(reader("12345678\r\n12345678", maxLineBytes: 8)).lines == ["12345678", "12345678"])
        #expect(lines(reader("123456789\r\n", maxLineBytes: 8)).failure == .lineTooLong(line: 1, limit: 8, head: Array("12345678".utf8)))
        #expect(lines(reader("ok\n123456789", maxLineBytes: 8)).failure == .lineTooLong(line: 2, limit: 8, head: Array("12345678".utf8)))
        #expect(LineReader.Failure.lineTooLong(line: 2, limit: 8, head: []).description == "line 2: a line longer than 8 bytes")
    }

    @Test("from a descriptor in small chunks: lines across chunk boundaries, and a huge line never held whole")
    func descriptorChunks() throws {
        let text = "alpha\r\nbeta\n\ngamma delta epsilon\nzeta"
        let (small, path) = try fileReader(Array(text.utf8), chunkSize: 3, maxLineBytes: 100)
        defer { unlink(path) }
        #expect(lines(small).lines == ["alpha", "beta", "", "gamma delta epsilon", "zeta"])

        // 1 MB without a newline through a 4 KiB buffer and a 1000-byte limit: refused, then the next line is read.
        let huge = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20) + Array("\nafter\n".utf8)
        let (reader, hugePath) = try fileReader(huge, chunkSize: 4096, maxLineBytes: 1000)
        defer { unlink(hugePath) }
        do {
            _ = try reader.nextLine()
            Issue.record("a 1 MB line was accepted")
        } catch .lineTooLong(let line, let limit, let head) {
            #expect(line == 1)
            #expect(limit == 1000)
            #expect(head == [UInt8](repeating: UInt8(ascii: "x"), count: 1000))
        }
        #expect(try reader.nextLine() == Array("after".utf8))
        #expect(reader.lineNumber == 2)
        #expect(try reader.nextLine() == nil)
    }

    @Test("NUL-separated names from a pipe, the descriptor left open")
    func pipeWithNulSeparators() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let bytes = Array("a b\0c\nd\0\0e".utf8)
        #expect(write(ends[1], bytes, bytes.count) == bytes.count)
        close(ends[1])
        let reader = LineReader(descriptor: ends[0], separator: 0, chunkSize: 2)
        #expect(lines(reader).lines == ["a b", "c\nd", "", "e"])
        #expect(fcntl(ends[0], F_GETFD) >= 0)  // still open: the reader does not own it
    }

    @Test("waitForInput can stop the reading; the partial line is dropped")
    func stopped() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let bytes = Array("first\nsecond-without-end".utf8)
        #expect(write(ends[1], bytes, bytes.count) == bytes.count)
        let reader = LineReader(descriptor: ends[0], chunkSize: 64)
        var waits = 0
        reader.waitForInput = {
            waits += 1
            return waits == 1
        }
        #expect(try reader.nextLine() == Array("first".utf8))
        #expect(try reader.nextLine() == nil)
        #expect(reader.stopped)
    }

    @Test("a file that cannot be opened is an error value with the system's reason")
    func cannotOpen() {
        let path = "/nonexistent-\(UUID().uuidString)/list.txt"
        #expect(throws: LineReader.Failure.cannotOpen(path: path, errno: ENOENT)) { try LineReader(path: path) }
        #expect(LineReader.Failure.cannotOpen(path: path, errno: ENOENT).reason == String(cString: strerror(ENOENT)))
    }

    @Test("the byte interface reads the same buffer as the lines")
    func bytes() throws {
        let reader = LineReader(bytes: Array("\u{FEFF}ab\ncd".utf8))
        #expect(try reader.peekByte() == 0xEF)
        #expect(try reader.prefix(3) == [0xEF, 0xBB, 0xBF])
        #expect(try reader.nextByte() == UInt8(ascii: "a"))
        let run = try reader.withBufferedBytes { bytes in (consumed: 1, result: Array(bytes)) }
        #expect(run == Array("b\ncd".utf8))
        #expect(try reader.nextLine() == [])
        #expect(try reader.nextLine() == Array("cd".utf8))
        #expect(try reader.peekByte() == nil)
        #expect(try reader.withBufferedBytes { _ in (consumed: 0, result: true) } == nil)
    }
}
