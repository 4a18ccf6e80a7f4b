/// Relative links between the files of a report (`index.html` and `index.md` to each
/// dataset's pages, a dataset's `report.md` to the claims), built from path segments that
/// may hold anything a file name can.
///
/// Each segment is percent-encoded: every byte of its UTF-8 outside RFC 3986's unreserved
/// set (`A–Z a–z 0–9 - . _ ~`) is written `%XX`, so `#`, `?`, `%`, `:`, spaces, quotes and
/// parentheses stay part of the name, and the path gets `./` in front, so that its first
/// segment can never be read as a scheme: a dataset named `javascript:alert(1)` links to
/// `./javascript%3Aalert%281%29/report.html`. A leading `..` segment (a link up a folder)
/// is kept as it is and needs no `./`.
public enum RelativeLink {
  /// The relative path of `segments`, each percent-encoded, with `./` in front unless it
  /// starts with `..`.
  public static func path(_ segments: [String]) -> String {
    let encoded = segments.map(encode).joined(separator: "/")
    return segments.first == ".." ? encoded : "./" + encoded
  }

  /// `segment` with every byte outside the unreserved set percent-encoded (upper-case hex).
  public static func encode(_ segment: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(segment.utf8.count)
    for b in segment.utf8 {
      switch b {
      case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E:
        out.append(b)
      default:
        out.append(0x25)
        out.append(hex[Int(b >> 4)])
        out.append(hex[Int(b & 0x0F)])
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
