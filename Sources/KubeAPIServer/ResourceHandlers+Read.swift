import Foundation
import HTTPSupport
import KubeTypes
import StateStore

/// GET of one object and of collections: selectors, pagination with continue tokens read at one
/// revision, and the three response shapes (objects, Table, PartialObjectMetadata).
extension KubeAPIServer {
    func get(_ request: ResourceRequest) async throws -> HTTPResponse {
        let object = try await fetch(request.resource, namespace: request.namespace, name: request.name ?? "")
        return try objectResponse(object.0, request)
    }

    /// The stored object and its revision, or 404.
    func fetch(_ resource: ResourceType, namespace: String?, name: String) async throws -> (JSON, Int64) {
        guard let found = try await storage.get(resource, namespace: namespace, name: name) else {
            throw APIError.notFound(resource, name: name)
        }
        return found
    }

    func list(_ request: ResourceRequest) async throws -> HTTPResponse {
        let filter = try ObjectFilter(request)
        let limit = try Self.limit(request)
        let page = try await readPage(request, filter: filter, limit: limit)
        var listMeta: JSON = ["resourceVersion": .string(String(page.revision))]
        if let token = page.continueToken { listMeta["continue"] = .string(token) }
        if let remaining = page.remaining, filter.isEmpty { listMeta["remainingItemCount"] = .int(Int64(remaining)) }
        let resource = request.resource
        switch try MediaTypes.responseShape(request.accept) {
        case .object:
            let list: JSON = [
                "kind": .string(resource.kind + "List"), "apiVersion": .string(resource.apiVersion),
                "metadata": listMeta, "items": .array(page.items),
            ]
            return Self.jsonResponse(list)
        case .table:
            let table = Tables.table(
                for: page.items, resource: resource, listMeta: listMeta, includeObject: request.query("includeObject"),
                now: environment.now(), headers: true)
            return Self.jsonResponse(table, contentType: "application/json;as=Table;v=v1;g=meta.k8s.io")
        case .partialMetadata:
            return Self.jsonResponse(
                Tables.partialMetadataList(page.items, listMeta: listMeta),
                contentType: "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io")
        }
    }

    static func limit(_ request: ResourceRequest) throws -> Int? {
        guard let text = request.query("limit"), !text.isEmpty else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw APIError.badRequest("limit must be a non-negative integer, got \"\(text)\"")
        }
        return value == 0 ? nil : value
    }

    struct Page {
        var items: [JSON]
        var revision: Int64
        var continueToken: String?
        var remaining: Int?
    }

    /// Reads matching objects at one revision. With a limit, store pages are read until `limit`
    /// matches are found, so a selective filter still fills a page, as upstream does.
    func readPage(_ request: ResourceRequest, filter: ObjectFilter, limit: Int?) async throws -> Page {
        let prefix = ObjectStorage.prefix(request.resource, namespace: request.namespace)
        var startKey: String?
        var revision: Int64?
        if let token = request.query("continue"), !token.isEmpty {
            let position = try ContinueToken.decode(token, prefix: prefix)
            startKey = position.startKey
            revision = position.revision
        } else if request.query("resourceVersionMatch") == "Exact", let text = request.query("resourceVersion") {
            guard let exact = Int64(text) else { throw APIError.badRequest("invalid resourceVersion \"\(text)\"") }
            revision = exact
        }
        var items: [JSON] = []
        let pageSize = max(limit ?? 500, 50)
        while true {
            let page: ListPage
            do {
                page = try await storage.store.list(
                    prefix: prefix, limit: pageSize, startKey: startKey, revision: revision)
            } catch StoreError.compacted {
                throw APIError.gone(ContinueToken.expiredMessage)
            } catch StoreError.futureRevision(let requested, let current) {
                throw APIError(
                    code: 504, reason: "Timeout",
                    message: "Too large resource version: \(requested), current: \(current)")
            }
            revision = page.revision
            for (position, keyValue) in page.items.enumerated() {
                let object = try ObjectStorage.decode(keyValue)
                guard filter.matches(object) else { continue }
                items.append(object)
                if let limit, items.count == limit {
                    let more = page.more || position < page.items.count - 1
                    guard more else { return Page(items: items, revision: page.revision) }
                    let token = ContinueToken.encode(
                        revision: page.revision, startKey: StoreKeys.successor(of: keyValue.key))
                    let remaining = page.items.count - position - 1
                    return Page(
                        items: items, revision: page.revision, continueToken: token,
                        remaining: page.more ? nil : remaining)
                }
            }
            guard page.more, let last = page.items.last else {
                return Page(items: items, revision: page.revision)
            }
            startKey = StoreKeys.successor(of: last.key)
        }
    }
}

/// Continue tokens: the revision of the first page and the key to resume at, base64-encoded JSON
/// like upstream's (clients treat them as opaque).
enum ContinueToken {
    static let expiredMessage =
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."

    static func encode(revision: Int64, startKey: String) -> String {
        let body: JSON = ["v": "meta.k8s.io/v1", "rv": .int(revision), "start": .string(startKey)]
        return Data(body.serialized().utf8).base64EncodedString()
    }

    static func decode(_ token: String, prefix: String) throws -> (revision: Int64, startKey: String) {
        guard let data = Data(base64Encoded: token), let body = try? JSONReader.parse(Array(data)),
            let revision = body["rv"]?.intValue, let start = body["start"]?.stringValue, start.hasPrefix(prefix)
        else { throw APIError.badRequest("continue key is not valid") }
        return (revision, start)
    }
}

/// Label and field selectors of a list or watch, checked against each object.
struct ObjectFilter: Sendable {
    var labelSelector: LabelSelector?
    var fieldSelector: FieldSelector?
    var fieldValue: @Sendable (JSON, String) -> String?

    init(_ request: ResourceRequest) throws {
        let resource = request.resource
        if let text = request.query("labelSelector"), !text.isEmpty {
            do {
                labelSelector = try LabelSelector(parsing: text)
            } catch {
                throw APIError.badRequest("\(error)")
            }
        }
        let labels = resource.strategy.fieldLabels
        fieldValue = { object, field in
            switch field {
            case "metadata.name": return object.name
            case "metadata.namespace": return object.namespace
            default: return labels[field]?(object)
            }
        }
        if let text = request.query("fieldSelector"), !text.isEmpty {
            let selector: FieldSelector
            do {
                selector = try FieldSelector(parsing: text)
                try selector.checkSupported(Set(labels.keys).union(["metadata.name", "metadata.namespace"]))
            } catch {
                throw APIError.badRequest("\(error)")
            }
            fieldSelector = selector
        }
    }

    var isEmpty: Bool { labelSelector == nil && fieldSelector == nil }

    func matches(_ object: JSON) -> Bool {
        if let labelSelector, !labelSelector.matches(object.labels) { return false }
        if let fieldSelector {
            let value = fieldValue
            return fieldSelector.matches { value(object, $0) }
        }
        return true
    }
}
