import Hunt

/// The evidence files of the paths a user gave, each with its format, and what was refused.
///
/// Folders are walked. A file that cannot be opened, or that is named but is not evidence, is
/// refused with its reason; files in folders that are not evidence (notes, reports) are only
/// counted. Formats are sniffed on all cores; files are opened again when they are read.
public struct EvidenceSelection: Sendable {
    /// A file to read and its format.
    public struct Source: Sendable {
        public var path: String
        public var format: EvidenceFile.Format
    }

    public var sources: [Source] = []
    /// Paths refused, with the reason (as `path: reason`).
    public var refused: [String] = []
    /// Files met in folders that are not evidence.
    public var notEvidence = 0

    public init(paths: [String]) {
        let expanded = paths.flatMap { InputFiles.isFolder($0) ? InputFiles.walk($0).map { ($0, true) } : [($0, false)] }
        for ((path, inFolder), probed) in zip(expanded, EvidenceFile.probe(expanded.map(\.0))) {
            switch probed {
            case .failure(let error):
                refused.append(error.description)
            case .success(.unknown) where inFolder:
                notEvidence += 1
            case .success(.unknown):
                refused.append("\(path): not a format Vigil reads (EVTX, JSON lines, Zeek, CSV, audit log)")
            case .success(let format):
                sources.append(Source(path: path, format: format))
            }
        }
    }
}
