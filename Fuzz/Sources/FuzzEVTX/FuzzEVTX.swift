import EVTX
import EventLog

/// One libFuzzer input is one chunk; its first 4 KiB are also read as a file header.
///
/// The signatures are forced so that mutations reach the record and BinXML parsers
/// instead of stopping at the signature check; the input is padded with zeros to 64 KiB.
/// Every record found (carving on, so slack space is scanned too) is rendered as JSON and XML
/// and turned into an event: all the ways untrusted bytes are walked.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEVTX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var chunk = [UInt8](repeating: 0, count: 65536)
    for index in 0..<min(size, chunk.count) { chunk[index] = data[index] }
    var header = Array(chunk[0..<4096])
    header.replaceSubrange(0..<8, with: Array("ElfFile\0".utf8))
    _ = try? EVTXFileHeader(header)
    chunk.replaceSubrange(0..<8, with: Array("ElfChnk\0".utf8))
    var output = RenderBuffer()
    _ = EVTXChunk.read(chunk, index: 0, fileOffset: 4096, carve: true) { record in
        output.removeAll()
        record.appendJSON(to: &output)
        record.appendXML(to: &output)
        _ = record.event()
    }
    return 0
}
