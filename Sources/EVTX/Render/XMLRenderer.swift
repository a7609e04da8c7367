import EventLog
/// Renders a record tree as indented XML, the way Event Viewer's XML view shows an event
/// (values written as `ValueText` writes them, so XML and JSON agree).
struct XMLRenderer {
    let context: ChunkContext
    let tree: RecordTree

    private var bytes: UnsafeRawBufferPointer { context.bytes }

    func render(to output: inout RenderBuffer) {
        element(tree.elements[Int(tree.root)], depth: 0, to: &output)
    }

    private func element(_ element: RecordTree.Element, depth: Int, to output: inout RenderBuffer) {
        output.append(repeating: UInt8(ascii: " "), count: depth * 2)
        output.append(UInt8(ascii: "<"))
        output.append(context.nameUTF8[Int(element.name)])
        for id in tree.attributes(of: element) {
            let attribute = tree.attributes[Int(id)]
            output.append(UInt8(ascii: " "))
            output.append(context.nameUTF8[Int(attribute.name)])
            output.append(UInt8(ascii: "="), UInt8(ascii: "\""))
            text(tree.values(of: attribute), attribute: true, to: &output)
            output.append(UInt8(ascii: "\""))
        }
        let children = tree.children(of: element)
        if children.isEmpty {
            output.append(UInt8(ascii: "/"), UInt8(ascii: ">"))
            output.append(UInt8(ascii: "\n"))
            return
        }
        output.append(UInt8(ascii: ">"))
        if !element.hasElementChild {
            text(children, attribute: false, to: &output)
        } else {
            output.append(UInt8(ascii: "\n"))
            for id in children {
                let node = tree.nodes[Int(id)]
                if node.kind == .element {
                    self.element(tree.element(node), depth: depth + 1, to: &output)
                } else {
                    output.append(repeating: UInt8(ascii: " "), count: (depth + 1) * 2)
                    text([id], attribute: false, to: &output)
                    output.append(UInt8(ascii: "\n"))
                }
            }
            output.append(repeating: UInt8(ascii: " "), count: depth * 2)
        }
        output.append(UInt8(ascii: "<"), UInt8(ascii: "/"))
        output.append(context.nameUTF8[Int(element.name)])
        output.append(UInt8(ascii: ">"))
        output.append(UInt8(ascii: "\n"))
    }

    private func text<C: Collection>(_ nodes: C, attribute: Bool, to output: inout RenderBuffer) where C.Element == Int32 {
        let escaping = UTF16Text.Escaping.xml(attribute: attribute)
        for id in nodes {
            let node = tree.nodes[Int(id)]
            switch node.kind {
            case .text:
                UTF16Text.append(bytes, offset: Int(node.a), count: Int(node.b), escaping: escaping, to: &output)
            case .value:
                ValueText.append(node, bytes, escaping: escaping, to: &output)
            case .charRef:
                output.append(UInt8(ascii: "&"), UInt8(ascii: "#"))
                ValueText.decimal(UInt64(node.a), to: &output)
                output.append(UInt8(ascii: ";"))
            case .entityRef:
                output.append(UInt8(ascii: "&"))
                output.append(context.nameUTF8[Int(node.a)])
                output.append(UInt8(ascii: ";"))
            case .cdata:
                output.append("<![CDATA[")
                UTF16Text.append(bytes, offset: Int(node.a), count: Int(node.b), escaping: .none, to: &output)
                output.append("]]>")
            case .piTarget:
                output.append(UInt8(ascii: "<"), UInt8(ascii: "?"))
                output.append(context.nameUTF8[Int(node.a)])
            case .piData:
                output.append(UInt8(ascii: " "))
                UTF16Text.append(bytes, offset: Int(node.a), count: Int(node.b), escaping: .none, to: &output)
                output.append(UInt8(ascii: "?"), UInt8(ascii: ">"))
            case .element:
                continue
            }
        }
    }
}
