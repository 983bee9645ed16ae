/// Hands a non-Sendable value (a worker's `FileProcessor`, its buffers) to exactly one other thread, the one that
/// uses it from then on.
package struct UncheckedBox<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}
