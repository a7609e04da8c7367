/// What went wrong reading EVTX data, layered as the format is: file → chunk → record →
/// BinXML, each with the position that lets an analyst find the bytes.
///
/// A record error costs that record and a chunk error that chunk; the parse goes on and the
/// summary counts them. Only an unreadable file header stops a file.
public enum EVTXError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file header is missing or not an EVTX header.
    case fileHeader(reason: String)
    /// A chunk could not be read at all.
    case chunk(index: Int, fileOffset: Int, reason: String)
    /// One record could not be read or rendered.
    case record(chunk: Int, chunkOffset: Int, recordID: UInt64?, reason: String)
    /// BinXML structure error, at an offset inside the chunk.
    case binXML(chunkOffset: Int, field: String, reason: String)

    public var description: String {
        switch self {
        case .fileHeader(let reason):
            return "file header: \(reason)"
        case .chunk(let index, let offset, let reason):
            return "chunk \(index) (file offset \(offset)): \(reason)"
        case .record(let chunk, let offset, let recordID, let reason):
            let id = recordID.map { " record \($0)" } ?? ""
            return "chunk \(chunk)\(id) (chunk offset \(offset)): \(reason)"
        case .binXML(let offset, let field, let reason):
            return "BinXML at chunk offset \(offset), \(field): \(reason)"
        }
    }
}
