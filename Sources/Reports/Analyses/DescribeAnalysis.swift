import Figures
import FoundationEssentials
import Numerics
import Statistics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// `reconcile describe`: n, mean, sd, lag-1 autocorrelation, min, max, median of a column.
public enum DescribeAnalysis {
  /// Describes `column` of `table`, once or per group of `by` (in order of first appearance).
  ///
  /// Numbers are read from their decimal text at double-double precision (see `Describe`),
  /// so that data such as 10000000.1, 10000000.3 keep all their digits.
  /// - Throws: `AnalysisError` for a missing column; `FiguresError` for a bad or missing number
  ///   (with its line and column).
  public static func run(_ table: CSVTable, column: String, by: String? = nil) throws -> [(
    group: String?, description: Description
  )] {
    for c in [column] + [by].compactMap({ $0 }) where table.columnIndex(c) == nil {
      throw AnalysisError.unknownColumn(c, path: table.path, available: table.header.map(\.value))
    }
    let numbers = try table.numbers(column: column)
    let texts = try table.strings(column: column)
    var values: [DoubleDouble] = []
    values.reserveCapacity(numbers.count)
    for (x, t) in zip(numbers, texts) {
      let cleaned = String(t.unicodeScalars.filter { $0 != "," && !$0.isBlank })
      values.append(DoubleDouble(decimal: cleaned) ?? DoubleDouble(hi: x ?? .nan))
    }
    let groups = try groupRows(table, by: by)
    var out: [(group: String?, description: Description)] = []
    for (g, rows) in groups {
      do {
        out.append((g, try Describe.describe(rows.map { values[$0] })))
      } catch {
        throw AnalysisError.file(
          table.path, "\(g.map { "describe (group \($0))" } ?? "describe"): \(error.description)")
      }
    }
    return out
  }

  /// The contract's JSON object.
  public static func json(_ d: Description, group: String? = nil) -> JSON {
    var m: [(String, JSON)] = group.map { [("group", .string($0))] } ?? []
    m += [
      ("n", .int(d.n)), ("mean", .num(d.mean)), ("sd", .num(d.sd)),
      ("autocorrelation", .num(d.autocorrelation)), ("min", .num(d.min)), ("max", .num(d.max)),
      ("median", .num(d.median)),
    ]
    return .object(m)
  }

  /// The JSON document `reconcile describe` prints, with a line end: with `grouped`, an array
  /// of the objects of ``json(_:group:)``, each with its `"group"`; otherwise the first row's
  /// object (nothing when there is no row).
  public static func jsonDocument(_ rows: [(group: String?, description: Description)], grouped: Bool) -> String {
    if grouped { return JSON.array(rows.map { json($0.description, group: $0.group) }).serialized() + "\n" }
    return rows.first.map { json($0.description).serialized() + "\n" } ?? ""
  }

  /// CSV: one row per group.
  public static func csv(_ rows: [(group: String?, description: Description)]) -> CSVWriter {
    var w = CSVWriter(header: ["group", "n", "mean", "sd", "autocorrelation", "min", "max", "median"])
    for (g, d) in rows {
      w.append([
        g ?? "", String(d.n), CSVWriter.cell(d.mean), CSVWriter.cell(d.sd), CSVWriter.cell(d.autocorrelation),
        CSVWriter.cell(d.min), CSVWriter.cell(d.max), CSVWriter.cell(d.median),
      ])
    }
    return w
  }

  /// A plain-text table.
  public static func table(_ rows: [(group: String?, description: Description)]) -> String {
    var t: [[String]] = [["group", "n", "mean", "sd", "lag-1 autocorrelation", "min", "max", "median"]]
    for (g, d) in rows {
      t.append([
        g ?? "", String(d.n), NumberFormat.roundTrip(d.mean), d.sd.map(NumberFormat.roundTrip) ?? "—",
        d.autocorrelation.map(NumberFormat.roundTrip) ?? "—", NumberFormat.roundTrip(d.min),
        NumberFormat.roundTrip(d.max), NumberFormat.roundTrip(d.median),
      ])
    }
    if rows.count == 1 && rows[0].group == nil { t = t.map { Array($0.dropFirst()) } }
    return TextTable.render(t) + "\n"
  }
}
