import Foundation
import Yams

/// Where the API server is and how to trust and authenticate to it: the current context of a
/// kubeconfig (server, certificate-authority(-data), token), or values given directly.
public struct KubeClientConfiguration: Sendable, Equatable {
    public var server: String
    public var certificateAuthorityPEM: String?
    public var token: String?

    public init(server: String, certificateAuthorityPEM: String? = nil, token: String? = nil) {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.token = token
    }

    /// Reads a kubeconfig file. Only bearer-token users are supported: a user with client
    /// certificates, an exec plugin or basic auth is refused rather than used without credentials.
    public static func load(kubeconfig path: String) throws -> KubeClientConfiguration {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw KubeClientError.badConfiguration("cannot read kubeconfig \(path)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(text, relativeTo: directory)
    }

    static func parse(_ text: String, relativeTo directory: String) throws -> KubeClientConfiguration {
        guard let document = try? Yams.load(yaml: text) as? [String: Any] else {
            throw KubeClientError.badConfiguration("the kubeconfig is not a YAML mapping")
        }
        let contextName = document["current-context"] as? String ?? ""
        guard let context = named(document["contexts"], contextName)?["context"] as? [String: Any],
            let clusterName = context["cluster"] as? String,
            let cluster = named(document["clusters"], clusterName)?["cluster"] as? [String: Any],
            let server = cluster["server"] as? String
        else { throw KubeClientError.badConfiguration("the kubeconfig has no current context with a cluster") }
        var configuration = KubeClientConfiguration(server: server)
        if let data = cluster["certificate-authority-data"] as? String {
            guard let decoded = Data(base64Encoded: data) else {
                throw KubeClientError.badConfiguration("certificate-authority-data is not base64")
            }
            configuration.certificateAuthorityPEM = String(decoding: decoded, as: UTF8.self)
        } else if let file = cluster["certificate-authority"] as? String {
            let full = file.hasPrefix("/") ? file : directory + "/" + file
            configuration.certificateAuthorityPEM = try? String(contentsOfFile: full, encoding: .utf8)
        }
        if let userName = context["user"] as? String,
            let user = named(document["users"], userName)?["user"] as? [String: Any]
        {
            let unsupported = ["client-certificate", "client-certificate-data", "exec", "auth-provider", "username"]
            if let field = unsupported.first(where: { user[$0] != nil }) {
                throw KubeClientError.badConfiguration(
                    "kubeconfig user \(userName) uses \(field); only tokens are supported")
            }
            configuration.token = user["token"] as? String
        }
        return configuration
    }

    private static func named(_ list: Any?, _ name: String) -> [String: Any]? {
        (list as? [[String: Any]])?.first { $0["name"] as? String == name }
    }
}
