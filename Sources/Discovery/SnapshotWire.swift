import DiscoveryCore
import Foundation

/// The JSON form in which the master hands discovery snapshots to agents
/// (`GET /mesokube/v1/discovery?after=N`, a long poll).
public enum SnapshotWire {
    public static func encode(_ snapshot: DiscoverySnapshot) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(snapshot)
    }

    public static func decode(_ data: Data) throws -> DiscoverySnapshot {
        try JSONDecoder().decode(DiscoverySnapshot.self, from: data)
    }
}
