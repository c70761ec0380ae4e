import KubeTypes

/// Server-side printing (`meta.k8s.io/v1 Table`) and metadata-only views (PartialObjectMetadata).
enum Tables {
    static func columnDefinitions(_ resource: ResourceType) -> JSON {
        .array(
            resource.strategy.table.columns.map { column in
                [
                    "name": .string(column.name), "type": .string(column.type), "format": .string(column.format),
                    "description": .string(column.description), "priority": .int(Int64(column.priority)),
                ]
            })
    }

    /// A Table of `objects`. `includeObject` is None, Metadata (default) or Object, as upstream.
    static func table(
        for objects: [JSON], resource: ResourceType, listMeta: JSON, includeObject: String?, now: Int64,
        headers: Bool
    ) -> JSON {
        let rows: [JSON] = objects.map { object in
            var row: JSON = ["cells": .array(resource.strategy.table.cells(object, now))]
            switch includeObject ?? "Metadata" {
            case "None": break
            case "Object": row["object"] = object
            default: row["object"] = partialMetadata(object)
            }
            return row
        }
        var table: JSON = ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": listMeta, "rows": .array(rows)]
        table["columnDefinitions"] = headers ? columnDefinitions(resource) : .array([])
        return table
    }

    static func partialMetadata(_ object: JSON) -> JSON {
        [
            "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": object["metadata"] ?? .emptyObject,
        ]
    }

    static func partialMetadataList(_ objects: [JSON], listMeta: JSON) -> JSON {
        [
            "kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": listMeta,
            "items": .array(objects.map(partialMetadata)),
        ]
    }
}
