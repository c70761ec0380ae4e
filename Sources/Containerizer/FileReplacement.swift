import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Replaces a small file by writing a sibling and renaming it over the original, so readers see the
/// old contents or the new, never half. (Foundation's `.atomic` option does the same on Linux but
/// leaves an empty `/tmp/TemporaryDirectory.*` behind on every call.)
package enum FileReplacement {
    package static func write(_ data: Data, to path: String) throws {
        let temporary = "\(path).tmp-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }
}
