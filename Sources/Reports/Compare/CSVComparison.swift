import Figures
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Compares two CSV tables row by row, rows matched by key.
///
/// **Key.** A row is identified by the values of its key columns:
/// - for the files `reconcile report` writes, a fixed list (``knownKeys``): `quantity, kind, id`
///   in `ranges.csv`, `quantity, period` in `trend.csv` — used when both headers have them;
/// - otherwise, every column of both headers whose non-empty cells are not all numbers (in
///   either table): the identifying text columns, while measurements vary;
/// - when no such column exists, the row's position (`row=1`, `row=2`, …).
///
/// Rows that share a key are matched in file order and told apart by `#2`, `#3`, … Column
/// names are matched ignoring case and surrounding whitespace, so reordering columns is not a
/// difference.
///
/// **Cells.** Two cells that both read as plain numbers are equal within the ``Tolerance``;
/// any other pair must be identical text (so `""` → `0` is a difference), a date column's cells
/// (`period`, `published`) compared as the ISO intervals they stand for.
enum CSVComparison {
  /// Key columns of the files `reconcile report` writes, by file name.
  static let knownKeys: [String: [String]] = [
    "ranges.csv": ["quantity", "kind", "id"],
    "trend.csv": ["quantity", "period"],
    "trajectory.csv": ["quantity", "year"],
  ]

  static func normalized(_ s: String) -> String {
    s.trimmingBlanks().lowercased()
  }

  /// The differences between `baseline` and `current`; `file` is the name reported.
  static func compare(baseline: CSVTable, current: CSVTable, file: String, tolerance: Tolerance)
    -> [Difference]
  {
    var diffs: [Difference] = []
    let bNames = baseline.header.map { normalized($0.value) }
    let cNames = current.header.map { normalized($0.value) }
    var cIndex: [String: Int] = [:]
    for (k, n) in cNames.enumerated() where cIndex[n] == nil { cIndex[n] = k }
    var bIndex: [String: Int] = [:]
    for (k, n) in bNames.enumerated() where bIndex[n] == nil { bIndex[n] = k }

    for (k, n) in bNames.enumerated() where cIndex[n] == nil {
      diffs.append(Difference(kind: .missingColumn, file: file, column: baseline.header[k].value))
    }
    for (k, n) in cNames.enumerated() where bIndex[n] == nil {
      diffs.append(Difference(kind: .newColumn, file: file, column: current.header[k].value))
    }
    // Columns in both, in baseline order: (display name, baseline index, current index).
    var common: [(name: String, b: Int, c: Int)] = []
    for (k, n) in bNames.enumerated() {
      if let j = cIndex[n], bIndex[n] == k { common.append((baseline.header[k].value, k, j)) }
    }

    let keyCols = keyColumns(file: file, common: common, baseline: baseline, current: current)
    let bRows = keyed(baseline, columns: keyCols.map { ($0.name, $0.b) })
    let cRows = keyed(current, columns: keyCols.map { ($0.name, $0.c) })
    var cByKey: [String: CSVRecord] = [:]
    for (key, r) in cRows { cByKey[key] = r }
    var bKeys = Set<String>()
    let keyNames = Set(keyCols.map { normalized($0.name) })
    let monteCarlo = MonteCarloFigures.isTrajectoryCSV(file)

    for (key, bRow) in bRows {
      bKeys.insert(key)
      guard let cRow = cByKey[key] else {
        diffs.append(Difference(kind: .missingRow, file: file, key: key, column: "(row)"))
        continue
      }
      // trajectory.csv: the levels are Monte Carlo figures, within a share of the row's 90%
      // interval (``MonteCarloFigures``).
      let width =
        monteCarlo
        ? MonteCarloFigures.logWidth { n in
          common.first { normalized($0.name) == n }.flatMap { Difference.number(cell(bRow, $0.b)) }
        }
        : nil
      for col in common where !keyNames.contains(normalized(col.name)) {
        let x = dateCell(cell(bRow, col.b), column: col.name)
        let y = dateCell(cell(cRow, col.c), column: col.name)
        if x == y { continue }
        let rule = monteCarlo ? MonteCarloFigures.csvRule(normalized(col.name)) : .strict
        if rule != .strict, let a = Difference.number(x), let b = Difference.number(y),
          MonteCarloFigures.accepts(baseline: a, current: b, rule: rule, width: width, tolerance: tolerance)
        {
          continue
        }
        if let d = compareCells(x, y, tolerance: tolerance) {
          diffs.append(
            Difference(
              kind: .changed, file: file, key: key, column: col.name, baseline: show(x), current: show(y),
              relativeChange: d))
        }
      }
    }
    for (key, _) in cRows where !bKeys.contains(key) {
      diffs.append(Difference(kind: .newRow, file: file, key: key, column: "(row)"))
    }
    return diffs
  }

  /// `nil` when the cells are the same figure; otherwise `.some(relative change)` (itself nil
  /// when it does not apply).
  static func compareCells(_ x: String, _ y: String, tolerance: Tolerance) -> Double?? {
    if x == y { return nil }
    if let a = Difference.number(x), let b = Difference.number(y) {
      if tolerance.accepts(baseline: a, current: b) { return nil }
      return .some(a == 0 ? nil : (b - a) / abs(a))
    }
    return .some(nil)
  }

  /// A cell for the report: empty cells as `""`, cells with spaces or quotes quoted.
  static func show(_ s: String) -> String {
    if s.isEmpty || s.contains(" ") || s.contains("\"") || s.contains("\n") { return JSON.quote(s) }
    return s
  }

  /// The date columns of the report's files (``ISODates``).
  static let dateColumns: Set<String> = ["period", "published"]

  /// A date column's cell as the ISO interval it stands for (`2002` and
  /// `2002-01-01/2002-12-31` are one period), so that a report written before the date columns
  /// became intervals compares with one written after; any other cell as it is.
  static func dateCell(_ s: String, column: String) -> String {
    dateColumns.contains(normalized(column)) ? ISODates.cell(s) : s
  }

  static func cell(_ r: CSVRecord, _ k: Int) -> String {
    k < r.fields.count ? r.fields[k].value : ""
  }

  /// The key columns for this file (see the type's documentation).
  static func keyColumns(
    file: String, common: [(name: String, b: Int, c: Int)], baseline: CSVTable, current: CSVTable
  ) -> [(name: String, b: Int, c: Int)] {
    let base = file.split(separator: "/").last.map(String.init) ?? file
    if let known = knownKeys[base.lowercased()] {
      let cols = known.compactMap { k in common.first { normalized($0.name) == k } }
      if cols.count == known.count { return cols }
    }
    return common.filter { col in
      !allNumeric(baseline, col.b) || !allNumeric(current, col.c)
    }
  }

  /// Whether every non-empty cell of column `k` is a plain number (true for an empty column).
  static func allNumeric(_ t: CSVTable, _ k: Int) -> Bool {
    t.records.allSatisfy { r in
      let s = cell(r, k)
      return s.isEmpty || Difference.number(s) != nil
    }
  }

  /// The rows with their keys, in file order; repeated keys get `#2`, `#3`, …
  static func keyed(_ t: CSVTable, columns: [(String, Int)]) -> [(String, CSVRecord)] {
    var seen: [String: Int] = [:]
    var out: [(String, CSVRecord)] = []
    for (n, r) in t.records.enumerated() {
      var key =
        columns.isEmpty
        ? "row=\(n + 1)"
        : columns.map { "\($0.0)=\(show(dateCell(cell(r, $0.1), column: $0.0)))" }.joined(separator: ", ")
      let count = seen[key, default: 0] + 1
      seen[key] = count
      if count > 1 { key += " #\(count)" }
      out.append((key, r))
    }
    return out
  }
}
