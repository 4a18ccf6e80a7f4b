import Foundation

/// Writes RFC 4180 CSV for spreadsheets: UTF-8, comma separated, CRLF-free LF line ends,
/// one header row, fields quoted only when needed, numbers as plain decimals of at most 15
/// significant digits.
public struct CSVWriter: Sendable {
  /// The header.
  public var header: [String]
  /// The rows, already formatted.
  public private(set) var rows: [[String]] = []

  /// Creates a writer with the given header.
  public init(header: [String]) { self.header = header }

  /// A cell for a number: a plain decimal with 15 significant digits (what spreadsheets
  /// keep, so the cell reads back as exactly this number), or empty when the value does not
  /// exist. Full round-trip precision is in the JSON outputs.
  public static func cell(_ x: Double?) -> String {
    guard let x else { return "" }
    return NumberFormat.plain(x, significant: 15)
  }

  /// Appends a row (padded or truncated to the header's width).
  public mutating func append(_ row: [String]) {
    var r = Array(row.prefix(header.count))
    while r.count < header.count { r.append("") }
    rows.append(r)
  }

  /// The CSV text.
  public var text: String {
    var out = header.map(CSVWriter.escape).joined(separator: ",") + "\n"
    for r in rows { out += r.map(CSVWriter.escape).joined(separator: ",") + "\n" }
    return out
  }

  /// Quotes a field when it holds a comma, quote, CR or LF (or leading/trailing space).
  public static func escape(_ field: String) -> String {
    let needs = field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
      || field.hasPrefix(" ") || field.hasSuffix(" ")
    guard needs else { return field }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}

