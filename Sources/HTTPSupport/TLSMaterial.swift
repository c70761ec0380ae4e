import Foundation
import NIOSSL
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The cluster CA and the API server's serving certificate, kept as PEM files in one directory
/// (`ca.crt`, `ca.key`, `apiserver.crt`, `apiserver.key`).
///
/// Clients (kubectl through its kubeconfig) trust `ca.crt`; the CA outlives serving certificates,
/// so renewing the serving certificate (new hosts, near expiry) never invalidates a kubeconfig.
public struct TLSMaterial: Sendable {
    public static let caCertificateFile = "ca.crt"
    public static let caKeyFile = "ca.key"
    public static let servingCertificateFile = "apiserver.crt"
    public static let servingKeyFile = "apiserver.key"

    /// The directory holding the four files.
    public let directory: String
    /// The CA certificate clients should trust.
    public let caPEM: String
    /// The serving certificate (signed directly by the CA, so the chain is the leaf alone).
    public let certificateChainPEM: String
    /// The serving certificate's private key (PKCS#8).
    public let privateKeyPEM: String
    /// When the serving certificate expires; restart before then to get a renewed one.
    public let servingNotValidAfter: Date

    /// Path of the CA certificate, for a kubeconfig's `certificate-authority` or `curl --cacert`.
    public var caCertificatePath: String { Self.path(self.directory, Self.caCertificateFile) }

    /// Loads the material from `directory`, or creates what is missing or unusable.
    ///
    /// An existing CA is reused while it is valid for more than 30 days, so clients that already
    /// trust it keep working. The serving certificate is reissued when it does not name every
    /// host, was not issued by the CA, or expires within 30 days.
    /// - Parameters:
    ///   - directory: dedicated to this material; created if needed and restricted to mode 0700.
    ///   - hosts: IP addresses and DNS names clients use; empty means `defaultHosts()`.
    ///   - now: the current time; certificates are dated from it.
    public static func loadOrCreate(directory: String, hosts: [String], now: Date) throws -> TLSMaterial {
        let names = TLSHostName.parse(hosts.isEmpty ? Self.defaultHosts() : hosts)
        try TLSFiles.ensurePrivateDirectory(directory)
        let (ca, caIsNew) = try Self.loadOrCreateCA(directory: directory, now: now)
        let serving = try Self.loadOrCreateServing(
            directory: directory, ca: ca, reuse: !caIsNew, hosts: names, now: now)
        return TLSMaterial(
            directory: directory, caPEM: try Self.pem(ca.certificate),
            certificateChainPEM: try Self.pem(serving.certificate),
            privateKeyPEM: try Self.pem(serving.privateKey),
            servingNotValidAfter: serving.certificate.notValidAfter)
    }

    /// The names a local master is reached by: loopback addresses, `localhost`, this machine's
    /// hostname and the in-cluster names of the `kubernetes` service, followed by `extra`.
    public static func defaultHosts(extra: [String] = []) -> [String] {
        var hosts = ["127.0.0.1", "::1", "localhost"]
        if let hostname = Self.hostname() { hosts.append(hostname) }
        hosts += ["kubernetes", "kubernetes.default", "kubernetes.default.svc"]
        return hosts + extra
    }

    /// A server context for `HTTPServer(tls:)`: TLS 1.2 or later, ALPN `http/1.1` only.
    public func makeServerContext() throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(self.certificateChainPEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(self.privateKeyPEM.utf8), format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // The server speaks HTTP/1.1 only. Go clients (kubectl) offer h2 first and would
        // otherwise fail the connection when the answer is not HTTP/2.
        configuration.applicationProtocols = ["http/1.1"]
        return try NIOSSLContext(configuration: configuration)
    }

    /// Reads the bearer token in `path`, or creates one: 32 random bytes as lowercase hex,
    /// written with mode 0600 (missing parent directories are created with mode 0700).
    /// Surrounding whitespace in an existing file is ignored, so a hand-edited token still works.
    public static func loadOrCreateToken(path: String) throws -> String {
        if let existing = try TLSFiles.readIfPresent(path) {
            let token = existing.trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty { return token }
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
            try TLSFiles.ensurePrivateDirectory(parent)
        }
        // SystemRandomNumberGenerator reads the kernel's CSPRNG (getrandom / arc4random).
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in Self.hexByte(UInt8.random(in: 0...255, using: &generator)) }.joined()
        try TLSFiles.writeAtomically(token, to: path, mode: 0o600)
        return token
    }

    // MARK: - Helpers

    /// The CA in `directory` if it is still usable, else a new one written there (second value true).
    private static func loadOrCreateCA(directory: String, now: Date) throws -> (TLSKeyPair, Bool) {
        let certificatePath = Self.path(directory, Self.caCertificateFile)
        let keyPath = Self.path(directory, Self.caKeyFile)
        if let loaded = try Self.loadPair(certificatePath: certificatePath, keyPath: keyPath),
            TLSCertificates.isUsableCA(loaded, now: now)
        {
            return (loaded, false)
        }
        let created = try TLSCertificates.makeCA(now: now)
        try Self.write(created, certificatePath: certificatePath, keyPath: keyPath)
        return (created, true)
    }

    /// The serving certificate in `directory` if `reuse` allows and it is still usable for
    /// `hosts`, else a new one signed by `ca` and written there.
    private static func loadOrCreateServing(
        directory: String, ca: TLSKeyPair, reuse: Bool, hosts: [TLSHostName], now: Date
    ) throws -> TLSKeyPair {
        let certificatePath = Self.path(directory, Self.servingCertificateFile)
        let keyPath = Self.path(directory, Self.servingKeyFile)
        if reuse, let loaded = try Self.loadPair(certificatePath: certificatePath, keyPath: keyPath),
            TLSCertificates.isUsableServing(loaded, ca: ca, hosts: hosts, now: now)
        {
            return loaded
        }
        let created = try TLSCertificates.makeServing(hosts: hosts, ca: ca, now: now)
        try Self.write(created, certificatePath: certificatePath, keyPath: keyPath)
        return created
    }

    private static func loadPair(certificatePath: String, keyPath: String) throws -> TLSKeyPair? {
        guard let certificatePEM = try TLSFiles.readIfPresent(certificatePath),
            let keyPEM = try TLSFiles.readIfPresent(keyPath)
        else { return nil }
        return TLSCertificates.parse(certificatePEM: certificatePEM, keyPEM: keyPEM)
    }

    /// Key first: a crash between the two writes leaves a mismatched pair, which the next load
    /// rejects and replaces, rather than a certificate whose key is lost.
    private static func write(_ pair: TLSKeyPair, certificatePath: String, keyPath: String) throws {
        try TLSFiles.writeAtomically(Self.pem(pair.privateKey), to: keyPath, mode: 0o600)
        try TLSFiles.writeAtomically(Self.pem(pair.certificate), to: certificatePath, mode: 0o644)
    }

    // PEM files end with a newline; tools like `cat ca.crt >> bundle` rely on it.
    private static func pem(_ certificate: Certificate) throws -> String {
        try certificate.serializeAsPEM().pemString + "\n"
    }

    private static func pem(_ key: Certificate.PrivateKey) throws -> String {
        try key.serializeAsPEM().pemString + "\n"
    }

    private static func path(_ directory: String, _ file: String) -> String {
        (directory as NSString).appendingPathComponent(file)
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }

    private static func hostname() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
