import AsyncHTTPClient
import Foundation
import Glibc

/// Where a URI's bytes come from.
enum FetchLocation: Equatable {
    case http(url: String, path: String)
    case local(path: String)

    init(_ value: String) throws(FetchError) {
        let lower = value.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard let components = URLComponents(string: value), components.host?.isEmpty == false else {
                throw FetchError(uri: value, reason: "Malformed URI")
            }
            self = .http(url: value, path: components.percentEncodedPath)
        } else if lower.hasPrefix("file://") {
            let path = String(value.dropFirst("file://".count))
            guard path.hasPrefix("/") else {
                throw FetchError(uri: value, reason: "file:// URIs must name an absolute path")
            }
            self = .local(path: path)
        } else if value.hasPrefix("/") {
            self = .local(path: value)
        } else {
            let scheme = value.range(of: "://").map { String(value[..<$0.lowerBound]) }
            let reason =
                scheme.map { "Unsupported URI scheme '\($0)'" }
                ?? "Unsupported URI: not an absolute path and no supported scheme (http, https, file)"
            throw FetchError(uri: value, reason: reason)
        }
    }

    /// Last path component, as Mesos names fetched files.
    var basename: String {
        let path: String
        switch self {
        case .http(_, let urlPath): path = urlPath.removingPercentEncoding ?? urlPath
        case .local(let localPath): path = localPath
        }
        return path.split(separator: "/").last.map(String.init) ?? ""
    }
}

/// Copies or downloads one URI to a path, writing through a temporary sibling so a failed or
/// timed-out fetch never leaves a half-written file under the final name.
struct FetchSource: Sendable {
    let httpClient: HTTPClient
    let timeout: Duration
    let maxFileBytes: Int64?

    func retrieve(_ location: FetchLocation, uri: String, to destination: String) async throws {
        let staging = destination + ".fetching-" + UUID().uuidString
        defer { unlink(staging) }
        switch location {
        case .http(let url, _):
            try await download(url, uri: uri, to: staging)
        case .local(let path):
            try copy(path, uri: uri, to: staging)
        }
        guard rename(staging, destination) == 0 else {
            throw FetchError(uri: uri, reason: "Failed to move into place at '\(destination)': \(errnoText())")
        }
    }

    private func copy(_ path: String, uri: String, to staging: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw FetchError(uri: uri, reason: "Failed to read '\(path)': \(errnoText())")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FetchError(uri: uri, reason: "'\(path)' is not a regular file")
        }
        if let maxFileBytes, Int64(info.st_size) > maxFileBytes {
            throw FetchError(uri: uri, reason: "File is \(info.st_size) bytes, over the limit of \(maxFileBytes)")
        }
        do {
            try FileManager.default.copyItem(atPath: path, toPath: staging)
        } catch {
            throw FetchError(uri: uri, reason: "Failed to copy '\(path)': \(error.localizedDescription)")
        }
    }

    private func download(_ url: String, uri: String, to staging: String) async throws {
        guard FileManager.default.createFile(atPath: staging, contents: nil),
            let handle = FileHandle(forWritingAtPath: staging)
        else {
            throw FetchError(uri: uri, reason: "Failed to create '\(staging)': \(errnoText())")
        }
        defer { try? handle.close() }
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        do {
            let response = try await httpClient.execute(
                HTTPClientRequest(url: url), timeout: .nanoseconds(nanoseconds))
            guard (200..<300).contains(response.status.code) else {
                throw FetchError(uri: uri, reason: "HTTP \(response.status.code) \(response.status.reasonPhrase)")
            }
            var written: Int64 = 0
            for try await chunk in response.body {
                written += Int64(chunk.readableBytes)
                if let maxFileBytes, written > maxFileBytes {
                    throw FetchError(uri: uri, reason: "Download exceeds the limit of \(maxFileBytes) bytes")
                }
                try handle.write(contentsOf: Data(chunk.readableBytesView))
            }
        } catch let error as FetchError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw FetchError(uri: uri, reason: "Timed out after \(timeout)")
        } catch {
            throw FetchError(uri: uri, reason: "\(error)")
        }
    }
}
