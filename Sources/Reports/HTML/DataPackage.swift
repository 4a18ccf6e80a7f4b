import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A Frictionless Data Package descriptor (`datapackage.json`) for the CSV files of a report.
///
/// Data Package v1 (https://specs.frictionlessdata.io/data-package/): profile
/// `tabular-data-package`, one `tabular-data-resource` per CSV with encoding utf-8, format
/// csv, mediatype text/csv, and a Table Schema whose fields follow the header in order. Each
/// field's type is inferred from its non-empty values:
///
/// | values (all of them) | type |
/// |---|---|
/// | `yes`/`no` or `true`/`false` | `boolean` (with `trueValues`/`falseValues`) |
/// | `YYYY-MM-DD` | `date` |
/// | `YYYY-MM` | `yearmonth` |
/// | 4-digit integers, in a column named `year` | `year` |
/// | integers (`-?[0-9]+`) | `integer`, or `number` for a known decimal column (`low`, `fitted`, …) |
/// | plain decimals (`-?[0-9]+(.[0-9]+)?`) | `number` |
/// | anything else | `string` |
///
/// A column with no values takes its known type, else `string`; a known text column (`id`,
/// `period`, `source`…) stays `string` whatever its values look like, so a column has one type
/// in every dataset. The empty cell is the missing
/// value (`missingValues: [""]`). Known columns carry a description.
public enum DataPackage {
  /// The descriptor for `resources` (path relative to the descriptor, the CSV, a description).
  ///
  /// - Parameter name: the package name; lower-cased, with characters outside `[a-z0-9._-]`
  ///   replaced by `-`, as the specification requires.
  public static func descriptor(name: String, resources: [(path: String, csv: CSVWriter, description: String)]) -> JSON
  {
    descriptor(
      name: name,
      tables: resources.map { r in
        var types = ColumnTypes(header: r.csv.header)
        for row in r.csv.rows { types.add(row) }
        return (r.path, types, r.description)
      })
  }

  /// The descriptor for tables whose column types were gathered row by row as they were
  /// written (``ColumnTypes``), so that a CSV of any length need not be kept.
  static func descriptor(name: String, tables: [(path: String, types: ColumnTypes, description: String)]) -> JSON {
    .object([
      ("profile", .string("tabular-data-package")),
      ("name", .string(identifier(name))),
      ("title", .string(name)),
      ("resources", .array(tables.map(resource))),
    ])
  }

  static func resource(_ r: (path: String, types: ColumnTypes, description: String)) -> JSON {
    var stem = r.path
    if stem.lowercased().hasSuffix(".csv") { stem.removeLast(4) }
    let fields: [JSON] = r.types.header.indices.map { i in
      let column = r.types.header[i]
      var members: [(String, JSON)] = [("name", .string(column))]
      let type = r.types.type(ofColumn: i)
      members.append(("type", .string(type)))
      if type == "boolean" {
        let yesNo = r.types.columns[i].present && r.types.columns[i].allYesNo
        members.append(("trueValues", .array([.string(yesNo ? "yes" : "true")])))
        members.append(("falseValues", .array([.string(yesNo ? "no" : "false")])))
      }
      if let d = known[column.lowercased()]?.description { members.append(("description", .string(d))) }
      return .object(members)
    }
    return .object([
      ("profile", .string("tabular-data-resource")),
      ("name", .string(identifier(stem))),
      ("path", .string(r.path)),
      ("description", .string(r.description)),
      ("format", .string("csv")),
      ("mediatype", .string("text/csv")),
      ("encoding", .string("utf-8")),
      ("schema", .object([("fields", .array(fields)), ("missingValues", .array([.string("")]))])),
    ])
  }

  /// What the values of each column of a table have in common, gathered one row at a time:
  /// enough to infer each column's Table Schema type as ``inferType(column:values:)`` does
  /// from all its values at once.
  struct ColumnTypes {
    /// One column's facts: whether every non-empty value seen has each form.
    struct Column {
      var present = false
      var allYesNo = true
      var allTrueFalse = true
      var allDate = true
      var allYearMonth = true
      var allInteger = true
      var allFourDigitYears = true
      var allDecimal = true

      /// Whether the column's type is decided by its name alone (a known text column): then
      /// only whether it has values matters.
      var textOnly = false

      mutating func add(_ value: String) {
        guard !value.isEmpty else { return }
        present = true
        guard !textOnly, allYesNo || allTrueFalse || allDate || allYearMonth || allInteger || allDecimal else { return }
        let lower = value.lowercased()
        if allYesNo && lower != "yes" && lower != "no" { allYesNo = false }
        if allTrueFalse && lower != "true" && lower != "false" { allTrueFalse = false }
        if allDate && !DataPackage.isDate(value) { allDate = false }
        if allYearMonth && !DataPackage.isYearMonth(value) { allYearMonth = false }
        if allInteger && !DataPackage.isInteger(value) { allInteger = false }
        if allFourDigitYears && !(value.count == 4 && !value.hasPrefix("-")) { allFourDigitYears = false }
        if allDecimal && !DataPackage.isDecimal(value) { allDecimal = false }
      }
    }

    /// The header.
    var header: [String]
    /// One entry per header column.
    var columns: [Column]

    init(header: [String]) {
      self.header = header
      columns = header.map { name in
        var c = Column()
        c.textOnly = known[name.lowercased()]?.type == "string"
        return c
      }
    }

    /// Takes one row's cells (missing cells count as empty).
    mutating func add(_ row: [String]) {
      for i in columns.indices where i < row.count { columns[i].add(row[i]) }
    }

    /// The Table Schema type of column `i` (see the type table of ``DataPackage``).
    func type(ofColumn i: Int) -> String {
      let column = header[i]
      let c = columns[i]
      let declared = known[column.lowercased()]?.type
      guard c.present else { return declared ?? "string" }
      if declared == "string" { return "string" }
      if c.allYesNo || c.allTrueFalse { return "boolean" }
      if c.allDate { return "date" }
      if c.allYearMonth { return "yearmonth" }
      if c.allInteger {
        if column.lowercased() == "year" && c.allFourDigitYears { return "year" }
        return declared == "number" ? "number" : "integer"
      }
      if c.allDecimal { return "number" }
      return "string"
    }
  }

  /// A name as the specification allows: lower case, `[a-z0-9._-]`, others replaced by `-`.
  static func identifier(_ s: String) -> String {
    let mapped = s.lowercased().unicodeScalars.map { u -> Character in
      (("a"..."z").contains(u) || ("0"..."9").contains(u) || u == "." || u == "_" || u == "-") ? Character(u) : "-"
    }
    let out = String(mapped)
    return out.isEmpty ? "data" : out
  }

  /// The Table Schema type of a column from its values (see the type table above).
  static func inferType(column: String, values: [String]) -> String {
    var types = ColumnTypes(header: [column])
    for v in values { types.add([v]) }
    return types.type(ofColumn: 0)
  }

  static func digits(_ s: Substring) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }

  static func isInteger(_ s: String) -> Bool {
    digits(s.hasPrefix("-") ? s.dropFirst() : Substring(s))
  }

  static func isDecimal(_ s: String) -> Bool {
    let body = s.hasPrefix("-") ? s.dropFirst() : Substring(s)
    let parts = body.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let first = parts.first, digits(first) else { return false }
    return parts.count == 1 || digits(parts[1])
  }

  static func isYearMonth(_ s: String) -> Bool {
    let p = s.split(separator: "-", omittingEmptySubsequences: false)
    guard p.count == 2, p[0].count == 4, p[1].count == 2, digits(p[0]), digits(p[1]), let m = Int(p[1]) else {
      return false
    }
    return (1...12).contains(m)
  }

  static func isDate(_ s: String) -> Bool {
    let p = s.split(separator: "-", omittingEmptySubsequences: false)
    guard p.count == 3, p[0].count == 4, p[1].count == 2, p[2].count == 2, p.allSatisfy(digits),
      let m = Int(p[1]), let d = Int(p[2])
    else { return false }
    return (1...12).contains(m) && (1...31).contains(d)
  }

  /// Columns the report writes: their type when a column has no values, and a description.
  static let known: [String: (type: String, description: String)] = [
    "quantity": ("string", "Machine name of what is counted."),
    "kind": ("string", "Row kind: source (one figure), envelope, intersection or pooled."),
    "id": ("string", "Figure id from the figures file, or the pooled range's key."),
    "label": ("string", "Human-readable label for the chart: source, year and figure."),
    "low": ("number", "Lower end of the range (empty when open: \"up to\")."),
    "mid": (
      "number", "Central value: the geometric midpoint of a range, the figure itself for a point, the median of a pool."
    ),
    "high": ("number", "Upper end of the range (empty when open: \"at least\")."),
    "value": ("number", "The point figure as stated, if any."),
    "pooled": ("boolean", "Whether the figure entered the pooled ranges."),
    "excluded_reason": ("string", "Why the figure was left out of pooling."),
    "source": ("string", "Who published the figure."),
    "published": (
      "string", "When the figure was published: the days the stated date covers, YYYY-MM-DD/YYYY-MM-DD (ISO 8601)."
    ),
    "period": ("string", "Reference period: the days it covers, YYYY-MM-DD/YYYY-MM-DD (ISO 8601), both included."),
    "document": ("string", "Document the figure was taken from."),
    "model": ("string", "Trend model: poisson, quasipoisson, negbin, loglinear or linear."),
    "year": ("year", "Calendar year of the period (time in the trend model)."),
    "exposure": (
      "number",
      "Covered fraction of the period's year (1 for a whole year); for a count over several years, its length in years."
    ),
    "observed": ("number", "Observed count for the period."),
    "annualized": ("number", "Observed count divided by exposure."),
    "annualized_ci_low": (
      "number",
      "Lower end of the exact Poisson interval of the annualised count, widened by the negbin or quasipoisson dispersion at the count."
    ),
    "annualized_ci_high": (
      "number",
      "Upper end of the exact Poisson interval of the annualised count, widened by the negbin or quasipoisson dispersion at the count."
    ),
    "fitted": ("number", "Fitted full-year value of the trend model."),
    "ci_low": ("number", "Lower end of the confidence band for the fitted full-year value."),
    "ci_high": ("number", "Upper end of the confidence band for the fitted full-year value."),
    "pi_low": ("number", "Lower end of the prediction band for a full year's count."),
    "pi_high": ("number", "Upper end of the prediction band for a full year's count."),
    "projected": ("boolean", "Whether the year lies beyond the data."),
    "partial": ("boolean", "Whether the period covers only part of its year."),
    "segment": ("integer", "Trend segment number (joinpoint models; 1 otherwise)."),
    "implied": (
      "boolean",
      "Whether the row is a year inside a count over several years: its value is the composite link fit's (no observation of its own)."
    ),
  ]
}
