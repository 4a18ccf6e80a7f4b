/// Text from the data written into Markdown (`report.md`, `index.md`, the claims `report.md`)
/// so that it renders as the same text, never as markup, raw HTML or a table's column break —
/// in CommonMark and GitHub's tables, pandoc, and Python-Markdown (MkDocs) alike.
///
/// - `&`, `<` and `>` become the entities `&amp;`, `&lt;`, `&gt;`: no raw HTML (a quote's
///   `<img onerror=…>` shows as text), no autolink, no entity from the data; entities because
///   Python-Markdown does not take `\<` as an escape.
/// - The punctuation that starts emphasis, code, links, headings, attribute lists or ends a
///   table cell — `` \ ` * _ { } [ ] # | `` — is escaped with a backslash (each an escape in
///   all three).
/// - Line ends (CR, LF, CR LF) become one space: a cell or a list item stays on its line.
///
/// Everything else is kept, so the Markdown source stays readable.
public enum Markdown {
  /// `text` escaped as above, for inline text: table cells, list items, headings.
  public static func text(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count + 8)
    var previousCR = false
    for s in text.unicodeScalars {
      defer { previousCR = s == "\r" }
      switch s {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\\", "`", "*", "_", "{", "}", "[", "]", "#", "|":
        out.unicodeScalars.append("\\")
        out.unicodeScalars.append(s)
      case "\r": out += " "
      case "\n": if !previousCR { out += " " }
      default: out.unicodeScalars.append(s)
      }
    }
    return out
  }

  /// A link whose text is `text` (escaped by ``text(_:)``) and whose destination is the
  /// relative path of `segments` (``RelativeLink/path(_:)``: each segment percent-encoded,
  /// `./` in front).
  public static func link(_ text: String, to segments: [String]) -> String {
    "[\(Markdown.text(text))](\(RelativeLink.path(segments)))"
  }

  /// `text` as a code span: between backtick runs longer than any inside it (with a space
  /// inside each when it starts or ends with a backtick), line ends as spaces. Nothing is
  /// markup inside a code span, raw HTML included; only a backtick run could end it early.
  public static func code(_ text: String) -> String {
    var body = ""
    var longest = 0
    var run = 0
    var previousCR = false
    for s in text.unicodeScalars {
      defer { previousCR = s == "\r" }
      if s == "`" {
        run += 1
        longest = max(longest, run)
      } else {
        run = 0
      }
      switch s {
      case "\r": body += " "
      case "\n": if !previousCR { body += " " }
      default: body.unicodeScalars.append(s)
      }
    }
    let fence = String(repeating: "`", count: longest + 1)
    let pad = body.hasPrefix("`") || body.hasSuffix("`") ? " " : ""
    return fence + pad + body + pad + fence
  }
}
