/// Validation and printing of endpoint slices.
extension DiscoveryV1 {
    static func validate(_ object: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let addressType = object["addressType"]?.stringValue ?? ""
        if addressType.isEmpty {
            errors.append(.required("addressType", ""))
        } else if !addressTypes.contains(addressType) {
            errors.append(.notSupported("addressType", object["addressType"], addressTypes))
        }
        let endpoints = object["endpoints"]?.arrayValue ?? []
        if endpoints.count > maxEndpoints {
            errors.append(
                FieldError(.tooMany, "endpoints", .int(Int64(endpoints.count)), "must have at most 1000 items"))
        }
        for (index, endpoint) in endpoints.enumerated() {
            errors += validateEndpoint(endpoint, addressType: addressType, at: FieldPath("endpoints").index(index))
        }
        let ports = object["ports"]?.arrayValue ?? []
        if ports.count > maxPorts {
            errors.append(FieldError(.tooMany, "ports", .int(Int64(ports.count)), "must have at most 20000 items"))
        }
        var names: Set<String> = []
        for (index, port) in ports.enumerated() {
            let path = FieldPath("ports").index(index)
            let name = port["name"]?.stringValue ?? ""
            if !name.isEmpty {
                errors += NameRules.dns1123Label(name).map { .invalid(path.child("name").text, .string(name), $0) }
            }
            if !names.insert(name).inserted {
                errors.append(.duplicate(path.child("name").text, .string(name)))
            }
            if let proto = port["protocol"], !protocols.contains(proto.stringValue ?? "") {
                errors.append(.notSupported(path.child("protocol").text, proto, protocols))
            }
            if let number = port["port"], let value = number.intValue, !(0...65535).contains(value) {
                errors.append(.invalid(path.child("port").text, number, "must be between 1 and 65535, inclusive"))
            }
            if let appProtocol = port["appProtocol"]?.stringValue {
                errors += NameRules.qualifiedName(appProtocol).map {
                    .invalid(path.child("appProtocol").text, .string(appProtocol), $0)
                }
            }
        }
        return errors
    }

    static func validateEndpoint(_ endpoint: JSON, addressType: String, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let addressPath = path.child("addresses")
        let addresses = endpoint["addresses"]?.arrayValue ?? []
        if addresses.isEmpty {
            errors.append(.required(addressPath.text, "must contain at least 1 address"))
        } else if addresses.count > maxAddresses {
            errors.append(
                FieldError(.tooMany, addressPath.text, .int(Int64(addresses.count)), "must have at most 100 items"))
        }
        for (index, address) in addresses.enumerated() {
            let text = address.stringValue ?? ""
            if let problem = addressProblem(text, type: addressType) {
                errors.append(.invalid(addressPath.index(index).text, address, problem))
            }
        }
        if let hostname = endpoint["hostname"]?.stringValue {
            errors += NameRules.dns1123Label(hostname).map {
                .invalid(path.child("hostname").text, .string(hostname), $0)
            }
        }
        if let nodeName = endpoint["nodeName"]?.stringValue {
            errors += NameRules.dns1123Subdomain(nodeName).map {
                .invalid(path.child("nodeName").text, .string(nodeName), $0)
            }
        }
        for hintList in ["forZones", "forNodes"] {
            for (index, hint) in (endpoint[path: ["hints", hintList]]?.arrayValue ?? []).enumerated()
            where (hint["name"]?.stringValue ?? "").isEmpty {
                errors.append(.required(path.child("hints").child(hintList).index(index).child("name").text, ""))
            }
        }
        return errors
    }

    /// Why an address does not fit the slice's address type; nil when it does.
    static func addressProblem(_ address: String, type: String) -> String? {
        switch type {
        case "IPv4": return NetworkAddress.isIPv4(address) ? nil : "must be a valid IPv4 address"
        case "IPv6": return NetworkAddress.isIPv6(address) ? nil : "must be a valid IPv6 address"
        case "FQDN": return NetworkAddress.fqdnProblem(address)
        default: return nil
        }
    }

    static let table = TableDefinition(
        columns: [
            ExtensionSupport.nameColumn,
            TableColumn("AddressType", description: "Type of address carried by the endpoints."),
            TableColumn("Ports", description: "Ports exposed by the endpoints."),
            TableColumn("Endpoints", description: "Addresses of the endpoints in the slice."),
            ExtensionSupport.ageColumn,
        ],
        cells: { object, now in
            [
                ExtensionSupport.nameCell(object),
                .string(object["addressType"]?.stringValue ?? ""),
                .string(portsSummary(object["ports"]?.arrayValue ?? [])),
                .string(endpointsSummary(object["endpoints"]?.arrayValue ?? [])),
                .string(Age.of(object, now: now)),
            ]
        })

    /// `80,443`; a port without a number shows its name, or `*`.
    static func portsSummary(_ ports: [JSON]) -> String {
        let labels = ports.map { port in
            port["port"]?.intValue.map(String.init) ?? port["name"]?.stringValue ?? "*"
        }
        return listWithMore(labels)
    }

    /// `10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...` over the addresses of all endpoints.
    static func endpointsSummary(_ endpoints: [JSON]) -> String {
        listWithMore(endpoints.flatMap { ($0["addresses"]?.arrayValue ?? []).compactMap(\.stringValue) })
    }

    /// Upstream prints at most three entries, then how many were left out; `<unset>` for none.
    static func listWithMore(_ items: [String], limit: Int = 3) -> String {
        if items.isEmpty { return "<unset>" }
        let shown = items.prefix(limit).joined(separator: ",")
        return items.count > limit ? "\(shown) + \(items.count - limit) more..." : shown
    }
}

/// Textual checks of IP addresses and domain names, without a networking library.
enum NetworkAddress {
    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigitChar) && Int(part)! <= 255
        }
    }

    static func isIPv6(_ text: String) -> Bool {
        guard text.contains(":"), !text.contains(":::") else { return false }
        let halves = text.components(separatedByDoubleColon: ())
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (halfIndex, half) in halves.enumerated() where !half.isEmpty {
            let pieces = half.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                let isLastOverall = halfIndex == halves.count - 1 && index == pieces.count - 1
                if isLastOverall && piece.contains(".") {
                    guard isIPv4(String(piece)) else { return false }
                    groups += 2
                } else {
                    guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit) else { return false }
                    groups += 1
                }
            }
        }
        return halves.count == 2 ? groups < 8 : groups == 8
    }

    static func fqdnProblem(_ text: String) -> String? {
        var name = text
        if name.hasSuffix(".") { name.removeLast() }
        if name.isEmpty { return "must be a valid domain name" }
        if name.split(separator: ".").count < 2 {
            return "should be a domain with at least two segments separated by dots"
        }
        return NameRules.dns1123Subdomain(name).first
    }
}

extension Character {
    fileprivate var isASCIIDigitChar: Bool { ("0"..."9").contains(self) }
}

extension String {
    /// Splits at `::` (at most meaningful once in an IPv6 address).
    fileprivate func components(separatedByDoubleColon _: Void) -> [String] {
        var result: [String] = []
        var current = ""
        var previousColon = false
        for character in self {
            if character == ":" && previousColon {
                current.removeLast()
                result.append(current)
                current = ""
                previousColon = false
                continue
            }
            current.append(character)
            previousColon = character == ":"
        }
        result.append(current)
        return result
    }
}
