import Crypto
import Foundation
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A certificate with the key that goes with it.
struct TLSKeyPair {
    var certificate: Certificate
    var privateKey: Certificate.PrivateKey
}

/// Creates and checks the cluster CA and the API server's serving certificate.
enum TLSCertificates {
    static let caCommonName = "mesokube-ca"
    static let servingCommonName = "kube-apiserver"
    static let caLifetime: TimeInterval = 10 * 365 * 24 * 3600
    static let servingLifetime: TimeInterval = 365 * 24 * 3600
    /// Certificates are renewed this long before they expire, so a running cluster never
    /// serves an expired one between two restarts.
    static let renewalMargin: TimeInterval = 30 * 24 * 3600
    /// notBefore lies this far in the past: a client whose clock runs a little behind the
    /// master's would otherwise reject a freshly made certificate as not yet valid.
    static let backdating: TimeInterval = 3600

    /// A self-signed P-256 CA.
    static func makeCA(now: Date) throws -> TLSKeyPair {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName { CommonName(Self.caCommonName) }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: key.publicKey)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now - Self.backdating, notValidAfter: now + Self.caLifetime, issuer: name, subject: name,
            extensions: extensions, issuerPrivateKey: key)
        return TLSKeyPair(certificate: certificate, privateKey: key)
    }

    /// A P-256 serving certificate for `hosts`, signed by `ca`.
    static func makeServing(hosts: [TLSHostName], ca: TLSKeyPair, now: Date) throws -> TLSKeyPair {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject = try DistinguishedName { CommonName(Self.servingCommonName) }
        let caKeyIdentifier =
            try ca.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: ca.certificate.publicKey).keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            // ECDSA keys only sign during the handshake; keyEncipherment would be meaningless.
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectKeyIdentifier(hash: key.publicKey)
            AuthorityKeyIdentifier(keyIdentifier: caKeyIdentifier)
            SubjectAlternativeNames(hosts.map(\.generalName))
        }
        // Never outlive the CA: a chain with an expired root fails even if the leaf is fine.
        let notAfter = min(now + Self.servingLifetime, ca.certificate.notValidAfter)
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now - Self.backdating, notValidAfter: notAfter, issuer: ca.certificate.subject,
            subject: subject, extensions: extensions, issuerPrivateKey: ca.privateKey)
        return TLSKeyPair(certificate: certificate, privateKey: key)
    }

    /// Parses a PEM certificate and key; nil when either is unusable or they do not belong together.
    static func parse(certificatePEM: String, keyPEM: String) -> TLSKeyPair? {
        guard let certificate = try? Certificate(pemEncoded: certificatePEM),
            let key = try? Certificate.PrivateKey(pemEncoded: keyPEM),
            key.publicKey == certificate.publicKey
        else { return nil }
        return TLSKeyPair(certificate: certificate, privateKey: key)
    }

    /// Whether a loaded CA can keep signing: a CA, valid now and beyond the renewal margin.
    static func isUsableCA(_ ca: TLSKeyPair, now: Date) -> Bool {
        guard case .isCertificateAuthority = try? ca.certificate.extensions.basicConstraints else { return false }
        return Self.isValid(ca.certificate, now: now)
    }

    /// Whether a loaded serving certificate can be kept: issued by `ca`, valid beyond the
    /// renewal margin and naming every host.
    static func isUsableServing(_ serving: TLSKeyPair, ca: TLSKeyPair, hosts: [TLSHostName], now: Date) -> Bool {
        let certificate = serving.certificate
        guard certificate.issuer == ca.certificate.subject,
            ca.certificate.publicKey.isValidSignature(certificate.signature, for: certificate),
            Self.isValid(certificate, now: now),
            let names = try? certificate.extensions.subjectAlternativeNames
        else { return false }
        let present = Set(names)
        return hosts.allSatisfy { present.contains($0.generalName) }
    }

    private static func isValid(_ certificate: Certificate, now: Date) -> Bool {
        certificate.notValidBefore <= now && certificate.notValidAfter > now + Self.renewalMargin
    }
}

/// A name a client may use to reach the server: an IP address or a DNS name.
struct TLSHostName: Hashable {
    let generalName: GeneralName

    /// Accepts `127.0.0.1`, `::1`, `[::1]` and DNS names; nil for an empty string.
    init?(_ host: String) {
        var text = host.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        guard !text.isEmpty else { return nil }
        if let bytes = Self.ipAddressBytes(text) {
            // The implicit member spares a direct SwiftASN1 import (ASN1OctetString lives there).
            self.generalName = .ipAddress(.init(contentBytes: bytes[...]))
        } else {
            // DNS names compare case-insensitively; storing one spelling keeps the coverage check simple.
            self.generalName = .dnsName(text.lowercased())
        }
    }

    /// The 4 or 16 network-order bytes of an IP address literal, nil for anything else.
    private static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// Parses and deduplicates, keeping the caller's order.
    static func parse(_ hosts: [String]) -> [TLSHostName] {
        var seen = Set<TLSHostName>()
        return hosts.compactMap(TLSHostName.init).filter { seen.insert($0).inserted }
    }
}
