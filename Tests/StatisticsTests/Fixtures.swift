import Foundation
import TestSupport

/// Reads the R-generated reference files under Tests/Fixtures/statistics.
enum Fixture {
  /// Rows of `Tests/Fixtures/statistics/<name>` (see `Fixtures.csv(_:)`).
  static func rows(_ name: String) throws -> [[String: String]] {
    try Fixtures.csv("statistics/\(name)")
  }
}

extension Fixture {
  /// The rows of a fixture gathered by their `case` cell, cases in order of first appearance.
  static func cases(_ name: String) throws -> [(name: String, rows: [[String: String]])] {
    var order: [String] = []
    var byName: [String: [[String: String]]] = [:]
    for r in try rows(name) {
      guard let c = r["case"] else { continue }
      if byName[c] == nil { order.append(c) }
      byName[c, default: []].append(r)
    }
    return order.map { ($0, byName[$0] ?? []) }
  }
}

extension Fixture {
  /// Per case of `cases(_:)`, the numbers of `columns` (one array per column, in that order)
  /// from the rows where all of them are numbers.
  static func series(_ name: String, columns: [String]) throws -> [(name: String, columns: [[Double]])] {
    try cases(name).map { name, rows in
      var out = [[Double]](repeating: [], count: columns.count)
      for r in rows {
        let values = columns.compactMap { Double(r[$0] ?? "") }
        guard values.count == columns.count else { continue }
        for (k, v) in values.enumerated() { out[k].append(v) }
      }
      return (name, out)
    }
  }

  /// The `value` column of a reference fixture keyed by its `keys` cells joined with "|"
  /// (an empty cell gives an empty part); rows missing a key or a numeric value are skipped.
  static func values(_ name: String, keyedBy keys: [String]) throws -> [String: Double] {
    var out: [String: Double] = [:]
    for r in try rows(name) {
      let parts = keys.compactMap { r[$0] }
      guard parts.count == keys.count, let v = Double(r["value"] ?? "") else { continue }
      out[parts.joined(separator: "|")] = v
    }
    return out
  }
}
