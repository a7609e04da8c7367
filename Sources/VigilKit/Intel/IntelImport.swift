import Foundation
import IntelStore
import STIX

/// Imports STIX 2.0/2.1 files and MISP documents (events, feeds, attribute collections,
/// threat-actor galaxies) into a store, each file one transaction.
public enum IntelImport {
    /// The largest file read by default: files are read whole, so this bounds memory.
    public static let defaultFileLimit = 512 << 20

    /// What importing one file did.
    public struct FileResult: Sendable {
        public var path: String
        /// The report; nil when the file was not imported.
        public var report: ImportReport?
        /// Why the file was not imported (unreadable, not STIX, refused with --strict).
        public var failure: String?
        /// For a MISP document: what it held and what became of its attributes.
        public var misp: MISPImport.Summary?
        public var seconds: Double
    }

    /// Imports the files of `paths` (folders walked for .json files). A file that cannot be
    /// read or is refused is reported and the others go on; a database failure stops.
    public static func importFiles(
        _ paths: [String], into store: any VigilStore, strict: Bool, collection: String? = nil, fileLimit: Int = defaultFileLimit,
        executor: ParallelExecutor = .shared
    ) async throws(VigilError) -> (results: [FileResult], emptyFolders: [String]) {
        let (files, empty) = try InputFiles.expand(paths, extensions: ["json"])
        let importer = BundleImporter(store: store, executor: executor)
        var results: [FileResult] = []
        for file in files {
            let started = Date()
            var misp: MISPImport.Summary?
            do {
                var bytes = try InputFiles.read(file, limit: fileLimit)
                if let document = try MISPImport.document(bytes) {
                    let converted = try await MISPImport.convert(document, path: file, store: store)
                    misp = converted.summary
                    guard let bundle = converted.bundle else {
                        results.append(FileResult(path: file, misp: misp, seconds: Date().timeIntervalSince(started)))
                        continue
                    }
                    bytes = bundle
                }
                let report = try await importer.importContent(bytes, source: file, strict: strict, collection: collection)
                results.append(FileResult(path: file, report: report, misp: misp, seconds: Date().timeIntervalSince(started)))
            } catch let error as IntelStoreError {
                if case .database = error { throw .store(error) }
                if error.isUnavailable { throw .store(error) }
                results.append(FileResult(path: file, failure: error.description, misp: misp, seconds: Date().timeIntervalSince(started)))
            } catch {
                let text = String(describing: error)
                results.append(FileResult(path: file, failure: text.hasPrefix(file) ? text : "\(file): \(text)", misp: misp, seconds: Date().timeIntervalSince(started)))
            }
        }
        return (results, empty)
    }
}
