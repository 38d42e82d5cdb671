/// Terminal columns, not characters: combining marks take none, East Asian wide characters and emoji take two.
/// Deliberately not `wcwidth`, which answers -1 for anything non-ASCII in the C locale the tests run in.
public enum TextWidth {
    public static func of(_ text: String) -> Int {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        var width = 0
        for character in text { width += of(character) }
        return width
    }

    public static func of(_ character: Character) -> Int {
        if character.isASCII { return 1 }
        guard let first = character.unicodeScalars.first else { return 0 }
        if character.unicodeScalars.contains(where: { $0.properties.isEmojiPresentation })
            || character.unicodeScalars.contains(where: { $0.value == 0xFE0F })
        {
            return 2
        }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        return isWide(first.value) ? 2 : 1
    }

    /// East Asian Wide and Fullwidth blocks (Unicode 15, condensed).
    private static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
            0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The longest prefix that fits `width` columns; when the text is cut, it ends with `ellipsis`.
    public static func truncate(_ text: String, to width: Int, ellipsis: String) -> String {
        guard width > 0 else { return "" }
        if of(text) <= width { return text }
        let room = width - of(ellipsis)
        guard room >= 0 else { return String(repeating: ".", count: width) }
        var result = ""
        var used = 0
        for character in text {
            let w = of(character)
            if used + w > room { break }
            result.append(character)
            used += w
        }
        return result + ellipsis
    }

    /// Exactly `width` columns: cut with `ellipsis`, then padded with spaces on the right (or the left).
    public static func fit(_ text: String, to width: Int, ellipsis: String, alignRight: Bool = false) -> String {
        let cut = truncate(text, to: width, ellipsis: ellipsis)
        let gap = max(0, width - of(cut))
        let spaces = String(repeating: " ", count: gap)
        return alignRight ? spaces + cut : cut + spaces
    }

    /// Makes text from outside (server names, provider error messages) safe to print: control characters
    /// (which could carry escape sequences) become spaces, and in ASCII mode anything non-ASCII becomes `?`.
    public static func sanitize(_ text: String, ascii: Bool) -> String {
        var needsWork = false
        for scalar in text.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value > 0x7E {
            needsWork = true
            break
        }
        guard needsWork else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            guard let scalar = character.unicodeScalars.first else { continue }
            let v = scalar.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) {
                result.append(" ")
            } else if ascii && !character.isASCII {
                result.append("?")
            } else {
                result.append(character)
            }
        }
        return result
    }
}
