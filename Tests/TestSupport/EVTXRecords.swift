import EVTX
import Foundation

/// Reading EVTX files in tests chunk by chunk, as the stream reader hands chunks out.
public enum EVTXRecords {
    /// Calls `body` with every record of the chunks of a whole file's bytes, read with `scratch`.
    public static func forEach(in data: Data, scratch: EVTXChunkScratch, _ body: (EVTXRecordView) -> Void) {
        data.withUnsafeBytes { file in
            var offset = 4096
            var index = 0
            while offset + 65536 <= file.count {
                let chunk = UnsafeRawBufferPointer(rebasing: file[offset..<(offset + 65536)])
                _ = EVTXChunk.read(chunk, index: index, fileOffset: offset, scratch: scratch, visit: body)
                offset += 65536
                index += 1
            }
        }
    }
}
