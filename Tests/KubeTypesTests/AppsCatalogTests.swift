import Testing

@testable import KubeTypes

/// The workload schemas only make sense together with the core and meta definitions they name.
@Suite struct AppsCatalogTests {
    @Test func everyReferenceResolvesInTheBuiltinCatalog() {
        let workload = AppsV1.schemas + BatchV1.schemas + AutoscalingAPI.schemas + PolicyV1.schemas
        var missing: [String] = []
        for schema in workload {
            for field in schema.fields {
                guard let target = Self.referencedName(field.type) else { continue }
                if Builtin.catalog[target] == nil { missing.append("\(schema.name).\(field.name) → \(target)") }
            }
        }
        #expect(missing == [])
    }

    static func referencedName(_ type: SchemaType) -> String? {
        switch type {
        case .ref(let name): name
        case .array(let element), .map(let element): referencedName(element)
        default: nil
        }
    }
}
