/// Why a bench could not run; the CLI turns `kind` into an exit code.
package struct BenchError: Error, CustomStringConvertible, Sendable {
    package enum Kind: Sendable {
        /// Bad arguments (64).
        case usage
        /// A file the bench depends on cannot be read (66).
        case cannotOpen
        /// A file the bench depends on is malformed (65).
        case malformed
        /// Temporary files could not be written (73).
        case cannotCreate
    }

    package let kind: Kind
    package let description: String

    package init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
