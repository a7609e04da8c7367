import ArgumentParser
import Foundation

/// Files named on the command line: folders are walked, files are read whole.
enum InputFiles {
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(path): \(reason)" }
    }

    /// The files of `paths`, folders replaced by the files below them with one of `extensions`
    /// (sorted, hidden ones skipped). A path that does not exist is a usage error.
    static func expand(_ paths: [String], extensions: Set<String>) throws -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                Console.error("\(path): no such file or folder")
                throw ExitStatus.badInput
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            var found: [String] = []
            if let walker = manager.enumerator(atPath: path) {
                while let relative = walker.nextObject() as? String {
                    let name = (relative as NSString).lastPathComponent
                    if name.hasPrefix(".") {
                        walker.skipDescendants()
                        continue
                    }
                    if extensions.contains((name as NSString).pathExtension.lowercased()) {
                        found.append((path as NSString).appendingPathComponent(relative))
                    }
                }
            }
            if found.isEmpty { Console.warning("\(path): no .\(extensions.sorted().joined(separator: "/.")) files in this folder") }
            files.append(contentsOf: found.sorted())
        }
        return files
    }

    /// The bytes of a file, read straight into one buffer (no intermediate `Data` copy).
    static func read(_ path: String) throws(Failure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Failure(path: path, reason: "cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Failure(path: path, reason: "cannot be read") }
        let size = Int(status.st_size)
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
        if let failure { throw Failure(path: path, reason: "cannot be read: \(failure)") }
        return bytes
    }
}
