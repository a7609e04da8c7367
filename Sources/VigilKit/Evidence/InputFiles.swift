import Foundation

/// Files named by the user: folders are walked, files are read whole.
public enum InputFiles {
    /// The files of `paths`, folders replaced by the files below them with one of `extensions`
    /// (sorted, hidden ones skipped); also the folders that held none. A path that does not
    /// exist is refused.
    public static func expand(_ paths: [String], extensions: Set<String>) throws(VigilError) -> (files: [String], emptyFolders: [String]) {
        var files: [String] = []
        var empty: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .input(path: path, reason: "no such file or folder")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let found = walk(path).filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            if found.isEmpty { empty.append(path) }
            files.append(contentsOf: found)
        }
        return (files, empty)
    }

    /// Whether a path names a folder.
    public static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The files below a folder, sorted, hidden files and folders skipped.
    public static func walk(_ folder: String) -> [String] {
        var found: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        while let relative = walker.nextObject() as? String {
            if (relative as NSString).lastPathComponent.hasPrefix(".") {
                walker.skipDescendants()
                continue
            }
            let path = (folder as NSString).appendingPathComponent(relative)
            if !isFolder(path) { found.append(path) }
        }
        return found.sorted()
    }

    /// The bytes of a file, read straight into one buffer (no intermediate `Data` copy); a file
    /// larger than `limit` bytes is refused before it is read.
    public static func read(_ path: String, limit: Int? = nil) throws(VigilError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .input(path: path, reason: "cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .input(path: path, reason: "cannot be read") }
        let size = Int(status.st_size)
        if let limit, size > limit {
            throw .input(path: path, reason: "is \(byteText(size)), larger than the \(byteText(limit)) one file may have (--max-file-size)")
        }
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let got = Foundation.read(descriptor, buffer.baseAddress! + count, size - count)
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    if got < 0 { failure = String(cString: strerror(errno)) }
                    break
                }
                count += got
            }
        }
        if let failure { throw .input(path: path, reason: "cannot be read: \(failure)") }
        return bytes
    }

    /// A size as people read it (`1.0 GB`, `512 MB`, `12 KB`).
    public static func byteText(_ bytes: Int) -> String {
        let units = [(1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")]
        for (size, unit) in units where bytes >= size {
            let value = Double(bytes) / Double(size)
            return value == value.rounded() ? "\(Int(value)) \(unit)" : "\(String(format: "%.1f", value)) \(unit)"
        }
        return "\(bytes) bytes"
    }
}
