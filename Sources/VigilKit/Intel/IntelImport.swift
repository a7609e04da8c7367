import Foundation
import IntelStore
import STIX

/// Imports STIX 2.0/2.1 files into a store, each file one transaction.
public enum IntelImport {
    /// What importing one file did.
    public struct FileResult: Sendable {
        public var path: String
        /// The report; nil when the file was not imported.
        public var report: ImportReport?
        /// Why the file was not imported (unreadable, not STIX, refused with --strict).
        public var failure: String?
        public var seconds: Double
    }

    /// Imports the files of `paths` (folders walked for .json files). A file that cannot be
    /// read or is refused is reported and the others go on; a database failure stops.
    public static func importFiles(
        _ paths: [String], into store: any VigilStore, strict: Bool, collection: String? = nil, executor: ParallelExecutor = .shared
    ) async throws(VigilError) -> (results: [FileResult], emptyFolders: [String]) {
        let (files, empty) = try InputFiles.expand(paths, extensions: ["json"])
        let importer = BundleImporter(store: store, executor: executor)
        var results: [FileResult] = []
        for file in files {
            let started = Date()
            do {
                let bytes = try InputFiles.read(file)
                let report = try await importer.importContent(bytes, source: file, strict: strict, collection: collection)
                results.append(FileResult(path: file, report: report, seconds: Date().timeIntervalSince(started)))
            } catch let error as IntelStoreError {
                if case .database = error { throw .store(error) }
                results.append(FileResult(path: file, failure: error.description, seconds: Date().timeIntervalSince(started)))
            } catch {
                results.append(FileResult(path: file, failure: String(describing: error), seconds: Date().timeIntervalSince(started)))
            }
        }
        return (results, empty)
    }
}
