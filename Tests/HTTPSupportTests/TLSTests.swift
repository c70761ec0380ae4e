import AsyncHTTPClient
import Foundation
import HTTPSupport
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import X509

/// A fresh directory under the system temp dir, removed when `body` ends.
private func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("mesokube-tls-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

private func mode(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

private func servingNames(_ material: TLSMaterial) throws -> [GeneralName] {
    let certificate = try Certificate(pemEncoded: material.certificateChainPEM)
    return Array(try certificate.extensions.subjectAlternativeNames ?? SubjectAlternativeNames())
}

private func ipAddress(_ bytes: [UInt8]) -> GeneralName {
    .ipAddress(.init(contentBytes: bytes[...]))
}

private let hosts = ["127.0.0.1", "::1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"]
private let start = Date(timeIntervalSince1970: 1_780_000_000)

/// Starts an HTTPS server on an ephemeral port with material made in a temp dir, runs `body`
/// with a client trusting the CA, and always shuts both down.
private func withTLSServer(
    _ body: (HTTPServer, Int, TLSMaterial, HTTPClient) async throws -> Void
) async throws {
    try await withTemporaryDirectory { directory in
        let material = try TLSMaterial.loadOrCreate(directory: directory, hosts: hosts, now: Date())
        let server = HTTPServer(host: "127.0.0.1", port: 0, tls: try material.makeServerContext()) { request in
            .text("secure \(request.path)")
        }
        let port = try await server.start()
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(material.caPEM.utf8)))
        let client = HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            configuration: HTTPClient.Configuration(tlsConfiguration: tls))
        do {
            try await body(server, port, material, client)
        } catch {
            try? await client.shutdown()
            await server.shutdown()
            throw error
        }
        try await client.shutdown()
        await server.shutdown()
    }
}

private func get(_ client: HTTPClient, _ url: String, timeout: TimeAmount = .seconds(60)) async throws -> (Int, String)
{
    let response = try await client.execute(HTTPClientRequest(url: url), timeout: timeout)
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: body))
}

@Suite("TLS material and HTTPS serving", .timeLimit(.minutes(1)))
struct TLSTests {
    @Test func createsFilesWithPrivateModes() async throws {
        try await withTemporaryDirectory { directory in
            let material = try TLSMaterial.loadOrCreate(directory: directory, hosts: hosts, now: start)
            #expect(try mode(of: directory) == 0o700)
            #expect(try mode(of: "\(directory)/ca.key") == 0o600)
            #expect(try mode(of: "\(directory)/apiserver.key") == 0o600)
            #expect(try mode(of: "\(directory)/ca.crt") == 0o644)
            #expect(try mode(of: "\(directory)/apiserver.crt") == 0o644)
            #expect(material.caCertificatePath == "\(directory)/ca.crt")
            #expect(try String(contentsOfFile: material.caCertificatePath, encoding: .utf8) == material.caPEM)
            #expect(material.privateKeyPEM.contains("PRIVATE KEY"))
            // No temporary files are left behind by the atomic writes.
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(files == ["apiserver.crt", "apiserver.key", "ca.crt", "ca.key"])
        }
    }

    @Test func caAndServingCertificateHaveTheRequiredShape() async throws {
        try await withTemporaryDirectory { directory in
            let material = try TLSMaterial.loadOrCreate(directory: directory, hosts: hosts, now: start)
            let ca = try Certificate(pemEncoded: material.caPEM)
            let serving = try Certificate(pemEncoded: material.certificateChainPEM)
            #expect(ca.subject.description.contains("CN=mesokube-ca"))
            #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
            #expect(try ca.extensions.keyUsage?.keyCertSign == true)
            #expect(ca.notValidAfter.timeIntervalSince(start) > 9 * 365 * 24 * 3600)
            #expect(serving.subject.description.contains("CN=kube-apiserver"))
            #expect(serving.issuer == ca.subject)
            #expect(ca.publicKey.isValidSignature(serving.signature, for: serving))
            #expect(try serving.extensions.basicConstraints == .notCertificateAuthority)
            #expect(try serving.extensions.extendedKeyUsage?.contains(.serverAuth) == true)
            #expect(
                try serving.extensions.authorityKeyIdentifier?.keyIdentifier
                    == ca.extensions.subjectKeyIdentifier?.keyIdentifier)
            #expect(serving.notValidAfter == material.servingNotValidAfter)
            #expect(serving.notValidAfter.timeIntervalSince(start) <= 365 * 24 * 3600)

            let names = try servingNames(material)
            #expect(names.contains(ipAddress([127, 0, 0, 1])))
            #expect(names.contains(ipAddress(Array(repeating: 0, count: 15) + [1])))
            #expect(names.contains(.dnsName("localhost")))
            #expect(names.contains(.dnsName("kubernetes.default.svc")))
            #expect(!names.contains(.dnsName("127.0.0.1")))
        }
    }

    @Test func reloadKeepsEverythingWhileValid() async throws {
        try await withTemporaryDirectory { directory in
            let first = try TLSMaterial.loadOrCreate(directory: directory, hosts: hosts, now: start)
            let later = start + 100 * 24 * 3600
            let second = try TLSMaterial.loadOrCreate(directory: directory, hosts: Array(hosts.reversed()), now: later)
            #expect(second.caPEM == first.caPEM)
            #expect(second.certificateChainPEM == first.certificateChainPEM)
            #expect(second.privateKeyPEM == first.privateKeyPEM)
        }
    }

    @Test func newHostOrNearExpiryReissuesServingCertificateUnderTheSameCA() async throws {
        try await withTemporaryDirectory { directory in
            let first = try TLSMaterial.loadOrCreate(directory: directory, hosts: hosts, now: start)
            let widened = try TLSMaterial.loadOrCreate(
                directory: directory, hosts: hosts + ["10.1.2.3", "Master.Example"], now: start)
            #expect(widened.caPEM == first.caPEM)
            #expect(widened.certificateChainPEM != first.certificateChainPEM)
            let names = try servingNames(widened)
            #expect(names.contains(ipAddress([10, 1, 2, 3])))
            #expect(names.contains(.dnsName("master.example")))

            // 20 days before the serving certificate expires: inside the renewal margin.
            let nearExpiry = widened.servingNotValidAfter - 20 * 24 * 3600
            let renewed = try TLSMaterial.loadOrCreate(directory: directory, hosts: hosts, now: nearExpiry)
            #expect(renewed.caPEM == first.caPEM)
            #expect(renewed.servingNotValidAfter > widened.servingNotValidAfter)
        }
    }

    @Test func missingOrMismatchedFilesAreReplaced() async throws {
        try await withTemporaryDirectory { directory in
            let first = try TLSMaterial.loadOrCreate(directory: directory, hosts: hosts, now: start)
            // A serving key that no longer matches its certificate.
            try FileManager.default.removeItem(atPath: "\(directory)/apiserver.key")
            let second = try TLSMaterial.loadOrCreate(directory: directory, hosts: hosts, now: start)
            #expect(second.caPEM == first.caPEM)
            #expect(second.privateKeyPEM != first.privateKeyPEM)
            // Without the CA key nothing can be signed: a new CA and a serving certificate under it.
            try FileManager.default.removeItem(atPath: "\(directory)/ca.key")
            let third = try TLSMaterial.loadOrCreate(directory: directory, hosts: hosts, now: start)
            #expect(third.caPEM != first.caPEM)
            let ca = try Certificate(pemEncoded: third.caPEM)
            let serving = try Certificate(pemEncoded: third.certificateChainPEM)
            #expect(ca.publicKey.isValidSignature(serving.signature, for: serving))
        }
    }

    @Test func tokenIsCreatedOnceWithPrivateMode() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/auth/token"
            let token = try TLSMaterial.loadOrCreateToken(path: path)
            #expect(token.count == 64)
            #expect(token.allSatisfy { "0123456789abcdef".contains($0) })
            #expect(try mode(of: path) == 0o600)
            #expect(try TLSMaterial.loadOrCreateToken(path: path) == token)
            #expect(try TLSMaterial.loadOrCreateToken(path: "\(directory)/other") != token)
            try "hand-written\n".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try TLSMaterial.loadOrCreateToken(path: path) == "hand-written")
        }
    }

    @Test func httpsRequestsToAddressAndNameAreAnswered() async throws {
        try await withTLSServer { _, port, _, client in
            let byAddress = try await get(client, "https://127.0.0.1:\(port)/by-address")
            #expect(byAddress.0 == 200)
            #expect(byAddress.1 == "secure /by-address")
            let byName = try await get(client, "https://localhost:\(port)/by-name")
            #expect(byName.0 == 200)
            #expect(byName.1 == "secure /by-name")
        }
    }

    @Test func clientWithoutTheCARefusesTheServer() async throws {
        try await withTLSServer { _, port, _, _ in
            let untrusting = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            // The pool retries failed handshakes until the deadline, so keep it short.
            let error = await #expect(throws: (any Error).self) {
                _ = try await get(untrusting, "https://127.0.0.1:\(port)/", timeout: .seconds(2))
            }
            #expect(error is NIOSSLError)
            #expect(String(describing: error).contains("CERTIFICATE_VERIFY_FAILED"))
            try await untrusting.shutdown()
        }
    }

    @Test func plainHTTPOnTheTLSPortOnlyClosesThatConnection() async throws {
        try await withTLSServer { _, port, _, client in
            for _ in 0..<3 {
                let raw = try await RawHTTPClient.connect(port: port, lifetime: .seconds(10))
                try await raw.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
                let answer = await raw.readUntilClosed()
                // Whatever comes back (a TLS alert or nothing) is not an HTTP response.
                #expect(!String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/"))
            }
            let after = try await get(client, "https://127.0.0.1:\(port)/after")
            #expect(after.1 == "secure /after")
        }
    }

    @Test func curlVerifiesTheChain() async throws {
        guard
            let curl = ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { return }
        try await withTLSServer { _, port, material, _ in
            let output = Pipe()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: curl)
            process.arguments = [
                // curl offers h2 when it can; the version written out proves ALPN chose HTTP/1.1.
                "--silent", "--show-error", "--max-time", "10", "--write-out", "|%{http_version}",
                "--cacert", material.caCertificatePath,
                "https://127.0.0.1:\(port)/from-curl",
            ]
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(String(decoding: data, as: UTF8.self) == "secure /from-curl|1.1")
        }
    }
}
