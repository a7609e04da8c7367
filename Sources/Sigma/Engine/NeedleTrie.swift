#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tries a `NeedleScanner` walks, laid out in flat memory: a scanner's needles from the
/// front (all but suffixes) and reversed (suffixes).
extension NeedleScanner {
    /// A trie node while the trie is built: its edges and the needles ending at it.
    struct Node {
        var edgeStart: Int32 = 0
        var edgeCount: Int32 = 0
        var hitStart: Int32 = 0
        var hitCount: Int32 = 0
    }

    /// A needle that ends at a node, and its kind.
    struct Hit {
        var needle: Int32
        var kind: Kind
    }

    /// A flattened trie in one array of 32-bit cells, a record per node in breadth-first
    /// order, so that a step reads one record (usually one cache line). A node's record: its
    /// edge count and hit count (16 bits each), where its hits start, its edges' bytes in
    /// increasing order (four per cell), then the children's record offsets in the same order.
    /// A node is its record's offset; the root (offset 0) also has a 256-entry table of its
    /// children.
    ///
    /// A node from `tailDepth` down whose descendants are one chain of single children ending
    /// in a leaf (the last bytes of one needle, which is most of a trie of thousands of long
    /// needles) is a *tail* record instead: edge count 0xFFFF, its own hit count and start,
    /// then the chain's length and the leaf's hit count (16 bits each), the leaf's hit start
    /// and the chain's bytes. A walk compares those bytes at once, where it paid a cache miss
    /// per node of the chain.
    struct Trie {
        var cells: UnsafeMutablePointer<UInt32>
        var hits: UnsafeMutablePointer<Hit>
        var root: UnsafeMutablePointer<Int32>

        init(_ needles: [Needle], reversed: Bool, tailDepth: Int) {
            // Built from the keys in sorted order (ties in needle order): each key shares a
            // path with the previous one up to their common prefix and adds nodes after it, so
            // nodes are numbered depth first, a node's children are created in increasing byte
            // order and no per-node map is needed. Edges and hits are then grouped by node with
            // a counting sort.
            // The keys in one array of bytes, compared with memcmp: a trie of the joined text
            // holds thousands of keywords, and sorting arrays of bytes element by element (each
            // comparison retaining both) was most of building one.
            var keyBytes: [UInt8] = []
            keyBytes.reserveCapacity(needles.reduce(0) { $0 + $1.bytes.count })
            var keyStarts: [Int] = []
            keyStarts.reserveCapacity(needles.count + 1)
            for needle in needles {
                keyStarts.append(keyBytes.count)
                if reversed { keyBytes += needle.bytes.reversed() } else { keyBytes += needle.bytes }
            }
            keyStarts.append(keyBytes.count)
            var path: [Int32] = [0]
            var nodeTotal = 1
            var edgeParents: [Int32] = []
            var edgeList: [(byte: UInt8, child: Int32)] = []
            edgeParents.reserveCapacity(keyBytes.count)
            edgeList.reserveCapacity(keyBytes.count)
            var hitNodes = [Int32](repeating: 0, count: needles.count)
            let order = keyBytes.withUnsafeBufferPointer { all -> [Int] in
                let base = all.baseAddress ?? UnsafePointer(bitPattern: 1)!
                func key(_ index: Int) -> UnsafeBufferPointer<UInt8> {
                    UnsafeBufferPointer(start: base + keyStarts[index], count: keyStarts[index + 1] - keyStarts[index])
                }
                let order = needles.indices.sorted { left, right in
                    let a = key(left)
                    let b = key(right)
                    let shared = min(a.count, b.count)
                    let compared = shared == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, shared)
                    if compared != 0 { return compared < 0 }
                    return a.count != b.count ? a.count < b.count : left < right
                }
                var previous = UnsafeBufferPointer<UInt8>(start: base, count: 0)
                for index in order {
                    let key = key(index)
                    var common = 0
                    let limit = min(key.count, previous.count)
                    while common < limit && key[common] == previous[common] { common += 1 }
                    path.removeLast(path.count - (common + 1))
                    for depth in common..<key.count {
                        let child = Int32(nodeTotal)
                        nodeTotal += 1
                        edgeParents.append(path[depth])
                        edgeList.append((key[depth], child))
                        path.append(child)
                    }
                    hitNodes[index] = path[key.count]
                    previous = key
                }
                return order
            }
            var nodeList = [Node](repeating: Node(), count: nodeTotal)
            for parent in edgeParents { nodeList[Int(parent)].edgeCount += 1 }
            for index in order { nodeList[Int(hitNodes[index])].hitCount += 1 }
            var edgeOffset: Int32 = 0
            var hitOffset: Int32 = 0
            for index in nodeList.indices {
                nodeList[index].edgeStart = edgeOffset
                edgeOffset += nodeList[index].edgeCount
                nodeList[index].hitStart = hitOffset
                hitOffset += nodeList[index].hitCount
            }
            var bytes = [UInt8](repeating: 0, count: edgeList.count)
            var targets = [Int32](repeating: 0, count: edgeList.count)
            var edgeFill = nodeList.map(\.edgeStart)
            for (parent, edge) in zip(edgeParents, edgeList) {
                let slot = Int(edgeFill[Int(parent)])
                bytes[slot] = edge.byte
                targets[slot] = edge.child
                edgeFill[Int(parent)] += 1
            }
            var hitList = [Hit](repeating: Hit(needle: 0, kind: .contains), count: needles.count)
            var hitFill = nodeList.map(\.hitStart)
            for index in needles.indices {
                let node = Int(hitNodes[index])
                hitList[Int(hitFill[node])] = Hit(needle: needles[index].id, kind: needles[index].kind)
                hitFill[node] += 1
            }
            // The chain below each node, when it is one: its length (0 for a leaf, -1 when
            // the node branches) and the leaf it ends in. Children are numbered after their
            // parents, so going down the numbers backwards sees every child first.
            var chainLength = [Int32](repeating: -1, count: nodeTotal)
            var chainLeaf = [Int32](repeating: -1, count: nodeTotal)
            for index in stride(from: nodeTotal - 1, through: 0, by: -1) {
                let node = nodeList[index]
                if node.edgeCount == 0 {
                    chainLength[index] = 0
                    chainLeaf[index] = Int32(index)
                } else if node.edgeCount == 1 {
                    let child = Int(targets[Int(node.edgeStart)])
                    let below = chainLength[child]
                    // The chain stops at a branch or at a needle ending inside it.
                    if below >= 0 && (below == 0 || nodeList[child].hitCount == 0) && below < 0xFFFE {
                        chainLength[index] = below + 1
                        chainLeaf[index] = chainLeaf[child]
                    }
                }
            }
            var depth = [Int32](repeating: 0, count: nodeTotal)
            for (parent, edge) in zip(edgeParents, edgeList) { depth[Int(edge.child)] = depth[Int(parent)] + 1 }
            let isTail = (0..<nodeTotal).map { depth[$0] >= tailDepth && chainLength[$0] > 0 }
            // Records breadth first, so that the levels near the root, which every walk
            // passes through, lie together in a few cache lines; children are known by node
            // number until every record's offset is. A tail's chain gets no records.
            var levelOrder: [Int32] = [0]
            levelOrder.reserveCapacity(nodeTotal)
            var next = 0
            while next < levelOrder.count {
                let index = Int(levelOrder[next])
                let node = nodeList[index]
                if !isTail[index] { levelOrder += targets[Int(node.edgeStart)..<Int(node.edgeStart + node.edgeCount)] }
                next += 1
            }
            var offsets = [Int32](repeating: 0, count: nodeTotal)
            var total = 0
            for index in levelOrder {
                offsets[Int(index)] = Int32(total)
                let index = Int(index)
                total += isTail[index] ? Trie.tailRecordSize(length: Int(chainLength[index])) : Trie.recordSize(edges: Int(nodeList[index].edgeCount))
            }
            // Offsets are 32-bit: 2^31 cells would take 8 GB of rule literals to fill.
            precondition(total < Int(Int32.max), "needle trie too large")
            var layout = [UInt32](repeating: 0, count: max(total, 1))
            layout.withUnsafeMutableBufferPointer { layout in
                let layoutBytes = UnsafeMutableRawPointer(layout.baseAddress!)
                for index in levelOrder {
                    let index = Int(index)
                    let node = nodeList[index]
                    let base = Int(offsets[index])
                    let edges = Int(node.edgeCount)
                    // Needles are distinct by bytes and kind, so at most one per kind ends here.
                    precondition(node.hitCount < 1 << 16, "too many needles end at one trie node")
                    layout[base + 1] = UInt32(node.hitStart)
                    if isTail[index] {
                        let length = Int(chainLength[index])
                        let leaf = nodeList[Int(chainLeaf[index])]
                        layout[base] = Trie.tailMark | UInt32(node.hitCount) << 16
                        layout[base + 2] = UInt32(length) | UInt32(leaf.hitCount) << 16
                        layout[base + 3] = UInt32(leaf.hitStart)
                        var chain = nodeList[index]
                        for offset in 0..<length {
                            layoutBytes.storeBytes(of: bytes[Int(chain.edgeStart)], toByteOffset: 4 * (base + 4) + offset, as: UInt8.self)
                            chain = nodeList[Int(targets[Int(chain.edgeStart)])]
                        }
                        continue
                    }
                    layout[base] = UInt32(edges) | UInt32(node.hitCount) << 16
                    for edge in 0..<edges {
                        let slot = Int(node.edgeStart) + edge
                        layoutBytes.storeBytes(of: bytes[slot], toByteOffset: 4 * (base + 2) + edge, as: UInt8.self)
                        layout[base + 2 + (edges + 3) / 4 + edge] = UInt32(bitPattern: offsets[Int(targets[slot])])
                    }
                }
            }
            cells = NeedleScanner.copy(layout)
            hits = NeedleScanner.copy(hitList)
            var rootTable = [Int32](repeating: -1, count: 256)
            for slot in Int(nodeList[0].edgeStart)..<Int(nodeList[0].edgeStart + nodeList[0].edgeCount) {
                rootTable[Int(bytes[slot])] = offsets[Int(targets[slot])]
            }
            root = NeedleScanner.copy(rootTable)
        }

        /// Cells of a record with `edges` edges: two header cells, the bytes, the children.
        static func recordSize(edges: Int) -> Int { 2 + (edges + 3) / 4 + edges }

        /// Cells of a tail record: four header cells and the chain's bytes.
        static func tailRecordSize(length: Int) -> Int { 4 + (length + 3) / 4 }

        /// The edge count that marks a tail record (a node has at most 256 edges).
        static let tailMark: UInt32 = 0xFFFF

        @inline(__always)
        func isTail(_ node: Int32) -> Bool { cells[Int(node)] & 0xFFFF == Trie.tailMark }

        /// A tail's chain: its bytes, its length and the hits of the leaf it ends in.
        @inline(__always)
        func tail(_ node: Int32) -> (bytes: UnsafePointer<UInt8>, length: Int, hitStart: Int, hitCount: Int) {
            let record = cells + Int(node)
            return (
                UnsafeRawPointer(record + 4).assumingMemoryBound(to: UInt8.self), Int(record[2] & 0xFFFF), Int(record[3]), Int(record[2] >> 16)
            )
        }

        func free() {
            cells.deallocate()
            hits.deallocate()
            root.deallocate()
        }

        /// How many needles end at a node.
        @inline(__always)
        func hitCount(_ node: Int32) -> Int { Int(cells[Int(node)] >> 16) }

        /// Where a node's needles start in `hits`.
        @inline(__always)
        func hitStart(_ node: Int32) -> Int { Int(cells[Int(node) + 1]) }

        /// The child of a node that is not a tail.
        @inline(__always)
        func child(_ node: Int32, _ byte: UInt8) -> Int32 {
            if node == 0 { return root[Int(byte)] }
            let record = cells + Int(node)
            let count = Int(record[0] & 0xFFFF)
            let edgeBytes = UnsafeRawPointer(record + 2).assumingMemoryBound(to: UInt8.self)
            let targets = record + 2 + (count + 3) / 4
            // Few edges: scan; many: bisect.
            if count <= 8 {
                var index = 0
                while index < count {
                    if edgeBytes[index] == byte { return Int32(bitPattern: targets[index]) }
                    index += 1
                }
                return -1
            }
            var low = 0
            var high = count
            while low < high {
                let middle = (low + high) / 2
                let value = edgeBytes[middle]
                if value == byte { return Int32(bitPattern: targets[middle]) }
                if value < byte { low = middle + 1 } else { high = middle }
            }
            return -1
        }
    }
}
