import Foundation
import Glibc

/// A response from `TestHTTP`; header names are lowercased.
public struct TestHTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A small blocking HTTP/1.1 client for loopback test servers (one request per connection).
/// TestSupport deliberately has no networking dependency, and a test registry only ever
/// needs plain HTTP on 127.0.0.1; call it from `runOffCooperativePool` in async tests.
public enum TestHTTP {
    public static func request(
        _ method: String, _ url: String, headers: [String: String] = [:], body: Data = Data(),
        timeoutSeconds: Int = 30
    ) throws -> TestHTTPResponse {
        let (host, port, target) = try split(url)
        let descriptor = try connect(host: host, port: port, timeoutSeconds: timeoutSeconds)
        defer { close(descriptor) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        head += "Content-Length: \(body.count)\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        try send(descriptor, Data((head + "\r\n").utf8) + body)
        // With `Connection: close` the server ends the response by closing the connection.
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 { throw TestImageError("reading from \(url) failed: errno \(errno)") }
            if count == 0 { break }
            received.append(contentsOf: buffer[0..<count])
        }
        return try parse(received, method: method, url: url)
    }

    private static func split(_ url: String) throws -> (String, Int, String) {
        guard url.hasPrefix("http://") else { throw TestImageError("TestHTTP speaks only http:// (\(url))") }
        let rest = url.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let target = slash == rest.endIndex ? "/" : String(rest[slash...])
        let parts = authority.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else {
            throw TestImageError("TestHTTP needs HOST:PORT in \(url)")
        }
        let host = parts[0] == "localhost" ? "127.0.0.1" : String(parts[0])
        return (host, port, target)
    }

    private static func connect(host: String, port: Int, timeoutSeconds: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestImageError("socket() failed: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(descriptor)
            throw TestImageError("TestHTTP needs an IPv4 address, not '\(host)'")
        }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(descriptor)
            throw TestImageError("cannot connect to \(host):\(port): errno \(code)")
        }
        return descriptor
    }

    private static func send(_ descriptor: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent <= 0 { throw TestImageError("sending failed: errno \(errno)") }
                offset += sent
            }
        }
    }

    private static func parse(_ data: Data, method: String, url: String) throws -> TestHTTPResponse {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else {
            throw TestImageError("\(method) \(url): incomplete response (\(data.count) bytes)")
        }
        let lines = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusWords = lines[0].split(separator: " ")
        guard statusWords.count >= 2, let status = Int(statusWords[1]) else {
            throw TestImageError("\(method) \(url): bad status line '\(lines[0])'")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[line[..<colon].lowercased()] = value
        }
        var body = Data(data[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body) }
        return TestHTTPResponse(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ data: Data) throws -> Data {
        var result = Data()
        var index = data.startIndex
        while let lineEnd = data[index...].range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else {
                throw TestImageError("bad chunk size '\(sizeText)'")
            }
            if size == 0 { break }
            let start = lineEnd.upperBound
            guard data.endIndex >= start + size else { throw TestImageError("truncated chunk") }
            result.append(data[start..<start + size])
            index = start + size + 2
        }
        return result
    }
}
