import Foundation

/// The test fixtures under `Tests/Fixtures`, found relative to this source file (no machine path).
public enum Fixtures {
  /// The `Tests/Fixtures` folder.
  public static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // TestSupport
    .deletingLastPathComponent()  // Tests
    .appendingPathComponent("Fixtures")

  /// The repository's root folder (the one holding `Package.swift`, `datasets`, `Tests`).
  public static let repositoryRoot: URL = root.deletingLastPathComponent().deletingLastPathComponent()

  /// The URL of `relativePath` under `Tests/Fixtures`, e.g. `url("meta/cases.csv")`.
  public static func url(_ relativePath: String) -> URL {
    root.appendingPathComponent(relativePath)
  }

  /// The file system path of `relativePath` under `Tests/Fixtures`.
  public static func path(_ relativePath: String) -> String {
    url(relativePath).path
  }

  /// The rows of a simple CSV fixture (no embedded commas or line breaks in cells) as
  /// dictionaries keyed by the header's cells.
  ///
  /// Lines are split at line breaks and empty lines skipped; cells are split at every comma
  /// (empty cells kept), trimmed of spaces and tabs, and then stripped of one pair of
  /// surrounding double quotes. A row shorter than the header lacks the missing keys; cells
  /// beyond the header are ignored.
  public static func csv(_ relativePath: String) throws -> [[String: String]] {
    try csv(at: url(relativePath))
  }

  /// The rows of the simple CSV file at `file`, read as `csv(_:)` reads a fixture.
  public static func csv(at file: URL) throws -> [[String: String]] {
    let text = try String(contentsOf: file, encoding: .utf8)
    var lines = text.split(whereSeparator: \.isNewline)
    guard !lines.isEmpty else { return [] }
    let header = cells(lines.removeFirst())
    return lines.map { line in
      var row: [String: String] = [:]
      for (h, c) in zip(header, cells(line)) { row[h] = c }
      return row
    }
  }

  /// The cells of one CSV line, as `csv(_:)` reads them.
  static func cells(_ line: Substring) -> [String] {
    line.split(separator: ",", omittingEmptySubsequences: false).map { cell in
      var t = cell.trimmingCharacters(in: .whitespaces)
      if t.count >= 2 && t.hasPrefix("\"") && t.hasSuffix("\"") { t = String(t.dropFirst().dropLast()) }
      return t
    }
  }
}
