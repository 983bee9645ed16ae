import Foundation
import HashScanCore
import HashScanLists
import HashScanServer
import Testing

/// docs/openapi.yaml against the OpenAPI 3.1 schema and against the server: its routes, the status codes each
/// route can answer, and the bodies it really sends. The YAML is read by Python (PyYAML, openapi-spec-validator
/// and its jsonschema; `scripts/setup` installs them): without them these tests fail, saying so.
@Suite("docs/openapi.yaml")
struct OpenAPIDocumentTests {
    static let document = "docs/openapi.yaml"

    /// `path → methods` from the document's `paths:` section (two-space path keys, four-space method keys).
    static func documentedRoutes() throws -> [String: Set<String>] {
        let text = try String(contentsOf: Repository.root.appendingPathComponent(document), encoding: .utf8)
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

    /// The status codes each route can answer, read off the server code. Keep in step with Sources/HashScanServer:
    /// - every key-protected route: 401 `unauthorized`, 403 `forbidden`, 429 `rate_limited` (Authenticator);
    /// - a body route: 400 `empty_body` and 413 `body_too_large` (collectBody), 408 `request_timeout` (the
    ///   deadline, ServiceResponder), 500 `internal` (an unexpected error; a missing digest in hashBody);
    /// - an upload (hashBody): 400/415 from MultipartBody, 422 from an image that cannot be decoded, 503 `busy`
    ///   from the hashing pool;
    /// - /v1/match/hashes: 415 for a body not sent as JSON, 400 from HashesRequest; no worker, so 503 only as
    ///   `audit_unavailable` (with --audit-required, as for every verdict);
    /// - /v1/admin/reload: 500 `reload_failed`, 408 when a failing reload outlasts the deadline;
    /// - /readyz: 503 while stopping. 404 and 405 come from ServiceResponder on any path (see `anyPathResponses`).
    static let answerable: [String: [String: Set<Int>]] = [
        "/v1/match": ["POST": [200, 400, 401, 403, 408, 413, 415, 422, 429, 500, 503]],
        "/v1/hash": ["POST": [200, 400, 401, 403, 408, 413, 415, 422, 429, 500, 503]],
        "/v1/match/hashes": ["POST": [200, 400, 401, 403, 408, 413, 415, 429, 500, 503]],
        "/v1/lists": ["GET": [200, 401, 403, 429]],
        "/v1/admin/reload": ["POST": [200, 401, 403, 408, 429, 500]],
        "/metrics": ["GET": [200, 401, 403, 429]],
        "/healthz": ["GET": [200]],
        "/readyz": ["GET": [200, 503]],
    ]

    /// Answers ServiceResponder gives on any path, before any key is checked: documented as reusable responses.
    static let anyPathResponses: [Int: String] = [404: "NotFound", 405: "MethodNotAllowed"]

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs a program (found on PATH) in the repository root: its exit status and its stdout and stderr together.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = Repository.root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-openapi-\(UUID().uuidString)-\(name)")
    }

    /// The document as JSON values, parsed by PyYAML (Foundation has no YAML parser).
    static func parsedDocument() throws -> [String: Any] {
        let out = temporaryFile("document.json")
        defer { try? FileManager.default.removeItem(at: out) }
        let script = """
            import json, sys, yaml
            with open(sys.argv[1], encoding="utf-8") as source, open(sys.argv[2], "w", encoding="utf-8") as target:
                try:
                    document = yaml.safe_load(source)
                except yaml.YAMLError as error:
                    sys.exit(f"not valid YAML: {error}")
                json.dump(document, target, default=str)
            """
        let (status, output) = try run(["python3", "-c", script, document, out.path])
        guard status == 0 else {
            throw Failure(description: "python3 with PyYAML could not read \(document) (exit \(status); scripts/setup installs what is needed): \(output)")
        }
        guard let parsed = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any] else {
            throw Failure(description: "\(document) is not a YAML mapping")
        }
        return parsed
    }

    /// The documented status codes of each operation: `path → METHOD → codes`.
    static func documentedStatuses(_ document: [String: Any]) throws -> [String: [String: Set<Int>]] {
        guard let paths = document["paths"] as? [String: Any] else { throw Failure(description: "\(Self.document) has no paths") }
        var result: [String: [String: Set<Int>]] = [:]
        for (path, item) in paths {
            for (method, operation) in (item as? [String: Any]) ?? [:] {
                guard let responses = (operation as? [String: Any])?["responses"] as? [String: Any] else { continue }
                result[path, default: [:]][method.uppercased()] = Set(responses.keys.compactMap { Int($0) })
            }
        }
        return result
    }

    @Test("every route the router registers is documented, and every documented route is served")
    func routesMatch() async throws {
        // Any list will do: the demo list's MD5 as an arbitrary entry.
        let server = try await TestServer.start([makeList("any", [(.md5, "d0581f74e16a1f46b52fb9c2b45ae4b7", "X")])])
        defer { Task { await server.stop() } }
        let served = MatchServer.routeTable(server.server.makeRouter()).mapValues { Set($0.map(\.rawValue)) }
        let documented = try Self.documentedRoutes()
        #expect(!served.isEmpty)
        #expect(served == documented)
        #expect(served == Self.answerable.mapValues { Set($0.keys) }, "the test's table of status codes names other routes than the router")
    }

    @Test("docs/api.md names every route")
    func apiDocument() async throws {
        let text = try String(contentsOf: Repository.root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        let routes = try Self.documentedRoutes()
        #expect(!routes.isEmpty, "no route read from docs/openapi.yaml")
        for (path, methods) in routes {
            for method in methods { #expect(text.contains("\(method) \(path)"), "docs/api.md does not mention \(method) \(path)") }
        }
    }

    @Test("scripts/validate-openapi: the document is YAML and valid OpenAPI 3.1 (openapi-spec-validator)")
    func validatesAsOpenAPI() throws {
        let (status, output) = try Self.run(["bash", "scripts/validate-openapi", Self.document])
        #expect(status == 0, """
            scripts/validate-openapi exited \(status): \(Self.document) is invalid, or python3 or openapi-spec-validator \
            is missing (scripts/setup installs it).
            \(output)
            """)
    }

    @Test("each route documents exactly the status codes the server can answer; 404 and 405 are documented for any path")
    func statusCodes() throws {
        let parsed = try Self.parsedDocument()
        let documented = try Self.documentedStatuses(parsed)
        for (path, methods) in Self.answerable {
            for (method, codes) in methods {
                let listed = documented[path]?[method] ?? []
                let missing = codes.subtracting(listed).sorted()
                let extra = listed.subtracting(codes).sorted()
                #expect(missing.isEmpty, "\(method) \(path): the server can answer \(missing), which the document does not list")
                #expect(extra.isEmpty, "\(method) \(path): the document lists \(extra), which the server never answers")
            }
        }
        let responses = ((parsed["components"] as? [String: Any])?["responses"] as? [String: Any]) ?? [:]
        for (status, name) in Self.anyPathResponses.sorted(by: { $0.key < $1.key }) {
            #expect(responses[name] != nil, "components/responses/\(name) (the \(status) any path can answer) is not documented")
        }
    }

    @Test("no documented answer has room for a list entry's reference hash")
    func noReferenceHash() throws {
        let parsed = try Self.parsedDocument()
        let schemas = ((parsed["components"] as? [String: Any])?["schemas"] as? [String: Any]) ?? [:]
        let match = try #require(schemas["Match"] as? [String: Any], "components/schemas/Match is missing")
        #expect(match["additionalProperties"] as? Bool == false, "Match must not allow fields beyond those listed")
        // No schema anywhere declares a `reference` property.
        func visit(_ value: Any, at path: String) {
            if let object = value as? [String: Any] {
                if let properties = object["properties"] as? [String: Any] {
                    #expect(properties["reference"] == nil, "\(path) declares a `reference` property")
                }
                for (key, child) in object { visit(child, at: "\(path)/\(key)") }
            } else if let array = value as? [Any] {
                for (index, child) in array.enumerated() { visit(child, at: "\(path)/\(index)") }
            }
        }
        visit(parsed, at: "#")
    }

    /// One answer of the running server, to check against the document.
    struct Sample {
        /// The documented path, or nil for an answer any path can give (then `component` names it).
        var route: String?
        var component: String? = nil
        var method: String
        var answer: LoopbackClient.Answer
    }

    @Test("the server's answers, one or more per route and status, conform to the documented responses and schemas")
    func answersConform() async throws {
        let text = Array("not an image, matched by its md5\n".utf8)
        let image = try Repository.bytes("demo/images/scene-a.jpg")
        let truncated = Array(image.prefix(image.count / 3))  // on the list by md5: 200 with image_error
        let corrupt = Array(image.prefix(image.count / 4))  // on no list: 422
        let list = makeList("known", [
            (.md5, try coreutilsDigest("md5sum", text), "TEXT-1"),
            (.md5, try coreutilsDigest("md5sum", truncated), "TRUNCATED-1"),
            (.pdq, Repository.sceneAPDQ, "SCENE-A"),
        ])
        // A video list (Meta's published frames of a sample video) and that video, whole and damaged.
        let frames = try ListImporter.importList(atPath: VideoUploadTests.repo.appendingPathComponent("vpdq/sample-hashes/doorknob-hd-no-bar.txt").path)
        let video = [UInt8](try Data(contentsOf: VideoUploadTests.repo.appendingPathComponent("tmk/sample-videos/doorknob-hd-no-bar.mp4")))
        var damagedVideo = video
        damagedVideo.replaceSubrange(40..<40_000, with: [UInt8](repeating: 0, count: 39_960))
        let server = try await TestServer.start([list, frames.hashList])
        defer { Task { await server.stop() } }

        var samples: [Sample] = []
        func send(_ method: String, _ route: String, key: String? = nil, type: String? = nil, body: [UInt8]? = nil,
                  query: String = "", expect status: Int) async throws {
            let headers = type.map { ["Content-Type": $0] } ?? [:]
            let answer = try await server.send(method, route + query, key: key, headers: headers, body: body)
            #expect(answer.status == status, "\(method) \(route)\(query): \(answer.status) \(answer.text)")
            #expect(answer.headers["x-request-id"] != nil, "\(method) \(route)\(query): no X-Request-Id")
            samples.append(Sample(route: route, method: method, answer: answer))
        }
        let boundary = "openapi-test-boundary"
        let multipart = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nhello\r\n".utf8)
            + Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
            + image + Array("\r\n--\(boundary)--\r\n".utf8)
        let form = "multipart/form-data; boundary=\(boundary)"
        let json = "application/json"

        try await send("GET", "/healthz", expect: 200)
        try await send("GET", "/readyz", expect: 200)
        try await send("GET", "/metrics", key: TestKeys.admin, expect: 200)
        try await send("GET", "/metrics", expect: 401)
        try await send("GET", "/metrics", key: TestKeys.match, expect: 403)
        try await send("GET", "/v1/lists", key: TestKeys.match, expect: 200)
        try await send("POST", "/v1/admin/reload", key: TestKeys.admin, expect: 200)
        try await send("POST", "/v1/admin/reload", key: TestKeys.hash, expect: 403)
        try await send("POST", "/v1/match", key: TestKeys.match, type: "application/octet-stream", body: text, expect: 200)
        try await send("POST", "/v1/match", key: TestKeys.match, type: "image/jpeg", body: image, expect: 200)
        try await send("POST", "/v1/match", key: TestKeys.match, type: form, body: multipart, expect: 200)
        try await send("POST", "/v1/match", key: TestKeys.match, type: "image/jpeg", body: truncated, expect: 200)
        #expect(samples.last?.answer.json["image_error"] != nil, "a matched image that cannot be decoded carries image_error")
        try await send("POST", "/v1/match", key: TestKeys.match, type: "image/jpeg", body: corrupt, expect: 422)
        try await send("POST", "/v1/match", key: TestKeys.match, type: "video/mp4", body: video, expect: 200)
        #expect(((samples.last?.answer.json["matches"] as? [[String: Any]])?.first?["vpdq_query_percent"]) != nil, "a vPDQ verdict")
        try await send("POST", "/v1/match", key: TestKeys.match, type: "video/mp4", body: damagedVideo, expect: 422)
        try await send("POST", "/v1/hash", key: TestKeys.hash, type: "video/mp4", body: video, query: "?algorithms=md5,vpdq", expect: 200)
        try await send("POST", "/v1/match", key: TestKeys.match, body: [], expect: 400)
        try await send("POST", "/v1/match", key: TestKeys.match, type: "multipart/mixed; boundary=x", body: Array("--x--".utf8), expect: 415)
        try await send("POST", "/v1/match", expect: 401)
        try await send("POST", "/v1/hash", key: TestKeys.hash, type: "image/jpeg", body: image, expect: 200)
        try await send("POST", "/v1/hash", key: TestKeys.hash, type: form, body: multipart, query: "?algorithms=sha256,pdq", expect: 200)
        try await send("POST", "/v1/hash", key: TestKeys.hash, body: text, query: "?algorithms=md5,crc32", expect: 400)
        try await send("POST", "/v1/hash", key: TestKeys.hash, body: corrupt, expect: 422)
        try await send("POST", "/v1/hash", key: TestKeys.match, body: text, expect: 403)
        let md5 = try coreutilsDigest("md5sum", text)
        try await send("POST", "/v1/match/hashes", key: TestKeys.match, type: json,
                       body: Array(#"{"hashes":{"md5":"\#(md5.uppercased())","pdq":"\#(Repository.sceneAPDQ)","pdq_quality":90}}"#.utf8), expect: 200)
        try await send("POST", "/v1/match/hashes", key: TestKeys.match, type: json,
                       body: Array(#"{"items":[{"id":"a","hashes":{"md5":"\#(md5)"}},{"hashes":{"phash":"0123456789abcdef"}}]}"#.utf8), expect: 200)
        try await send("POST", "/v1/match/hashes", key: TestKeys.match, type: json, body: Array(#"{"hashes":{"crc32":"00"}}"#.utf8), expect: 400)
        try await send("POST", "/v1/match/hashes", key: TestKeys.match, type: json, body: Array(#"{"items":[]}"#.utf8), expect: 400)
        try await send("POST", "/v1/match/hashes", key: TestKeys.match, type: "text/plain", body: Array("{}".utf8), expect: 415)
        // The "slow" key may make 2 requests a second: a quick burst is refused with 429.
        var limited = false
        for _ in 0..<6 where !limited {
            let answer = try await server.send("GET", "/v1/lists", key: TestKeys.slow)
            samples.append(Sample(route: "/v1/lists", method: "GET", answer: answer))
            limited = answer.status == 429
        }
        #expect(limited, "the rate-limited key was never refused")
        let unknown = try await server.send("GET", "/v1/nothing-here")
        #expect(unknown.status == 404)
        samples.append(Sample(route: nil, component: Self.anyPathResponses[404], method: "GET", answer: unknown))
        let wrongMethod = try await server.send("DELETE", "/v1/lists", key: TestKeys.match)
        #expect(wrongMethod.status == 405)
        samples.append(Sample(route: nil, component: Self.anyPathResponses[405], method: "DELETE", answer: wrongMethod))

        // Every sample's status, headers and body, checked against the document by jsonschema (Draft 2020-12, the
        // dialect of OpenAPI 3.1), resolving the document's own $refs.
        let encoded = try JSONSerialization.data(withJSONObject: samples.map { sample -> [String: Any] in
            [
                "route": sample.route ?? NSNull(), "component": sample.component ?? NSNull(), "method": sample.method,
                "status": sample.answer.status, "headers": sample.answer.headers, "body": sample.answer.text,
            ]
        })
        let samplesFile = Self.temporaryFile("samples.json")
        defer { try? FileManager.default.removeItem(at: samplesFile) }
        try encoded.write(to: samplesFile)
        let (status, output) = try Self.run(["python3", "-c", Self.conformanceScript, Self.document, samplesFile.path])
        #expect(status == 0, "answers that disagree with \(Self.document) (or python3/jsonschema missing: scripts/setup):\n\(output)")
    }

    /// Checks each sample against its documented response: the status is listed, every documented header is sent,
    /// the media type is documented, and a JSON body validates against the schema.
    static let conformanceScript = """
        import json, sys, yaml
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        with open(sys.argv[1], encoding="utf-8") as source:
            document = yaml.safe_load(source)
        with open(sys.argv[2], encoding="utf-8") as source:
            samples = json.load(source)
        registry = Registry().with_resource("urn:openapi", Resource.from_contents(document, default_specification=DRAFT202012))

        def escape(part):
            return str(part).replace("~", "~0").replace("/", "~1")

        def at(pointer):
            node = document
            for part in pointer:
                node = node[part]
            return node

        def dereferenced(pointer):
            node = at(pointer)
            while isinstance(node, dict) and "$ref" in node:
                pointer = [part.replace("~1", "/").replace("~0", "~") for part in node["$ref"][2:].split("/")]
                node = at(pointer)
            return node, pointer

        failures = []
        for sample in samples:
            label = f"{sample['method']} {sample['route'] or '(any path)'} {sample['status']}"
            if sample["route"] is None:
                pointer = ["components", "responses", sample["component"]]
            else:
                operation = document["paths"].get(sample["route"], {}).get(sample["method"].lower())
                if operation is None:
                    failures.append(f"{label}: operation not documented")
                    continue
                if str(sample["status"]) not in operation.get("responses", {}):
                    failures.append(f"{label}: status not documented; body {sample['body'][:300]}")
                    continue
                pointer = ["paths", sample["route"], sample["method"].lower(), "responses", str(sample["status"])]
            response, pointer = dereferenced(pointer)
            headers = {name.lower() for name in sample["headers"]}
            for name in response.get("headers", {}):
                if name.lower() not in headers:
                    failures.append(f"{label}: documented header {name} not sent")
            media = sample["headers"].get("content-type", "").split(";")[0].strip().lower()
            content = response.get("content", {})
            if media not in content:
                failures.append(f"{label}: {media or 'no content type'} is not documented (documented: {sorted(content)})")
                continue
            if media != "application/json":
                continue
            try:
                body = json.loads(sample["body"])
            except ValueError as error:
                failures.append(f"{label}: the body is not JSON: {error}")
                continue
            schema = "urn:openapi#/" + "/".join(escape(part) for part in pointer + ["content", media, "schema"])
            validator = Draft202012Validator({"$ref": schema}, registry=registry)
            for error in sorted(validator.iter_errors(body), key=lambda error: list(error.absolute_path)):
                where = "/".join(str(part) for part in error.absolute_path) or "(the body)"
                failures.append(f"{label}: {where}: {error.message}; body {sample['body'][:300]}")
        print("\\n".join(failures))
        print(f"{len(samples)} answers checked, {len(failures)} disagreements")
        sys.exit(1 if failures else 0)
        """
}
