import Foundation
import HashScanServer
import Testing

@Suite("docs/openapi.yaml")
struct OpenAPIDocumentTests {
    /// `path → methods` from the document's `paths:` section (two-space path keys, four-space method keys).
    static func documentedRoutes() throws -> [String: Set<String>] {
        let text = try String(contentsOf: Repository.root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        var routes: [String: Set<String>] = [:]
        var inPaths = false
        var current: String? = nil
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty { inPaths = line == "paths:"; current = nil; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                current = String(line.dropFirst(2).dropLast())
                routes[current!] = []
            } else if let path = current, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let name = String(line.dropFirst(4).dropLast())
                if methods.contains(name) { routes[path]?.insert(name.uppercased()) }
            }
        }
        return routes
    }

    @Test("every route the router registers is documented, and every documented route is served")
    func routesMatch() async throws {
        let server = try await TestServer.start([makeList("any", [(.md5, "d0581f74e16a1f46b52fb9c2b45ae4b7", "X")])])
        defer { Task { await server.stop() } }
        let served = MatchServer.routeTable(server.server.makeRouter()).mapValues { Set($0.map(\.rawValue)) }
        let documented = try Self.documentedRoutes()
        #expect(!served.isEmpty)
        #expect(served == documented)
    }

    @Test("docs/api.md names every route")
    func apiDocument() async throws {
        let text = try String(contentsOf: Repository.root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        for (path, methods) in try Self.documentedRoutes() {
            for method in methods { #expect(text.contains("\(method) \(path)"), "docs/api.md does not mention \(method) \(path)") }
        }
    }
}
