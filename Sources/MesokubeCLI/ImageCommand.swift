import ArgumentParser
import Containerizer
import Foundation

/// `mesokube image import|pull|list`: fills the image store an agent reads, `<work-dir>/images`,
/// so images can be staged before tasks name them (the agent pulls missing ones itself too).
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Manage an agent's image store (<work-dir>/images).",
        subcommands: [ImageImportCommand.self, ImagePullCommand.self, ImageListCommand.self])
}

struct ImageStoreFlags: ParsableArguments {
    @Option(help: "The agent's work dir; its image store is <work-dir>/images (dev: .mesokube/agent-<k>).")
    var workDir: String = ".mesokube/agent"

    var storeRoot: String { absolute(workDir) + "/images" }

    func openStore() throws -> ImageStore { try ImageStore(root: storeRoot) }
}

struct ImageImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import an OCI image-layout tar or a 'docker save' tar.")

    @Argument(help: "The archive.") var file: String
    @Option(help: "Store it under this name (default: the name the archive carries).") var name: String?
    @OptionGroup var store: ImageStoreFlags

    func run() async throws {
        let imageStore = try store.openStore()
        let image = try imageStore.import(tarPath: absolute(file), name: name)
        say("Imported \(image.name) (\(image.manifestDigest), \(image.layers.count) layers) into \(store.storeRoot)")
    }
}

struct ImagePullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Pull an image from an OCI distribution (Docker registry v2) registry.")

    @Argument(help: "The image, e.g. busybox, library/busybox:1.36, localhost:5000/app@sha256:<hex>.")
    var name: String
    @Option(help: "Registry for image names without one, HOST[:PORT] (default: Docker Hub).") var registry: String?
    @Option(help: "Mirror of the default registry, tried first (repeatable).") var registryMirror: [String] = []
    @Option(help: "Registry spoken to over plain HTTP, HOST:PORT (repeatable).") var insecureRegistry: [String] = []
    @OptionGroup var store: ImageStoreFlags

    func run() async throws {
        var options = RegistryOptions(mirrors: registryMirror, insecureRegistries: Set(insecureRegistry))
        if let registry { options.defaultRegistry = registry }
        let puller = ImagePuller(store: try store.openStore(), options: options)
        let report = try await puller.pullReport(name)
        let source = report.source.map { "from \($0)" } ?? "already in the store"
        say(
            "Pulled \(report.image.name) (\(report.image.manifestDigest)) \(source);"
                + " \(report.downloadedBlobs.count) blobs downloaded, into \(store.storeRoot)")
    }
}

struct ImageListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the stored images.")

    @OptionGroup var store: ImageStoreFlags

    func run() async throws {
        let imageStore = try store.openStore()
        var rows = [["NAME", "MANIFEST", "LAYERS"]]
        for name in imageStore.imageNames {
            guard let image = try? imageStore.image(named: name) else {
                rows.append([name, "<unreadable>", "-"])
                continue
            }
            rows.append([name, image.manifestDigest, "\(image.layers.count)"])
        }
        let widths = (0..<2).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let padded = (0..<2).map { row[$0].padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }
            say(padded.joined() + row[2])
        }
    }
}
