/// The fuzz targets: one per parser of hostile input, each a function from bytes to a verdict that traps
/// (`FuzzCheck`) when an invariant the parser promises is broken. libFuzzer runs them under AddressSanitizer
/// (`scripts/fuzz`); the test suite replays the seed corpus and every regression input through the same code.
package struct FuzzTarget: Sendable {
    /// What the parser made of an input. Replays check seeds named `valid-*` are accepted, so a harness that
    /// stopped reaching its parser fails the tests.
    package enum Outcome: Sendable, Equatable {
        case accepted
        case refused
    }

    package let name: String
    package let summary: String
    /// A libFuzzer dictionary in Fuzz/Dictionaries, without its `.dict` extension.
    package let dictionary: String?
    package let run: @Sendable (UnsafeRawBufferPointer) -> Outcome

    package init(_ name: String, _ summary: String, dictionary: String? = nil, run: @escaping @Sendable (UnsafeRawBufferPointer) -> Outcome) {
        self.name = name
        self.summary = summary
        self.dictionary = dictionary
        self.run = run
    }

    package static let all: [FuzzTarget] = ImageTargets.all + ListTargets.all + InputTargets.all

    package static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// Traps with a message when a parser broke a promise: the fuzzer records the input as a crash.
package func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                       file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz invariant broken: \(message())", file: file, line: line) }
}
