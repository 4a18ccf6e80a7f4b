/// Text on its way to a terminal (tables and diagnostics), with every character that would act
/// on the terminal or hide itself shown as an escape instead.
///
/// Cell text, ids and file names come from the data: raw, an escape sequence in them would
/// clear the screen, retitle the window (OSC 0) or write the clipboard (OSC 52), and a
/// zero-width or right-to-left-override character makes two different quantity names look
/// alike. Each such character is written as `\u{HEX}` — its code point in upper-case hex, as
/// in a Swift string literal: ESC is `\u{1B}`, a tab `\u{9}`, U+202E `\u{202E}`. The escaped
/// characters are
///
/// - the C0 controls U+0000–U+001F (tab and carriage return included) except, where lines are
///   meant, the line feed;
/// - DEL U+007F and the C1 controls U+0080–U+009F;
/// - the invisible and bidirectional formatting characters: soft hyphen U+00AD, U+200B–U+200F
///   (zero-width space, joiners, marks), U+202A–U+202E (embeddings and overrides),
///   U+2060–U+2064 (word joiner, invisible operators), U+2066–U+2069 (isolates) and the
///   byte-order mark U+FEFF.
///
/// Everything else is kept, so escaping twice changes nothing. JSON and CSV outputs are not
/// escaped: they carry the data exactly.
public enum TerminalText {
  /// Whether `scalar` is written as an escape (`newline` too when `keepingNewlines` is false).
  @inline(__always)
  public static func isEscaped(_ scalar: Unicode.Scalar, keepingNewlines: Bool = true) -> Bool {
    let v = scalar.value
    if v < 0x20 { return !(keepingNewlines && v == 0x0A) }
    if v < 0x7F { return false }
    if v <= 0x9F { return true }  // DEL and C1
    switch v {
    case 0xAD, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF:
      return true
    default: return false
    }
  }

  /// `text` with each character of ``isEscaped(_:keepingNewlines:)`` written as `\u{HEX}`.
  /// Line feeds are kept unless `keepingNewlines` is false (one table cell, one diagnostic).
  public static func escape(_ text: String, keepingNewlines: Bool = true) -> String {
    // Printable ASCII (and line feeds) is the usual case: returned as it is.
    var plain = true
    for b in text.utf8 where b < 0x20 || b >= 0x7F {
      if b == 0x0A && keepingNewlines { continue }
      plain = false
      break
    }
    if plain { return text }
    var out = String.UnicodeScalarView()
    for s in text.unicodeScalars {
      guard isEscaped(s, keepingNewlines: keepingNewlines) else {
        out.append(s)
        continue
      }
      out.append(contentsOf: "\\u{".unicodeScalars)
      out.append(contentsOf: String(s.value, radix: 16, uppercase: true).unicodeScalars)
      out.append("}")
    }
    return String(out)
  }
}
