import Figures
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One way in which a current output folder differs from its baseline.
///
/// Its ``line`` is what the diff report prints:
/// `FILE  ROW-KEY  COLUMN  baseline → current  (relative change)`, where FILE is relative to the
/// compared folders, ROW-KEY names the CSV row (`quantity=mou_arrivals, period=2001`) or the
/// JSON object that holds the member (`$.trends[quantity=mou_arrivals].parameters[name=year]`),
/// and COLUMN the CSV column or JSON member. File-level differences use `-` as ROW-KEY and
/// `(file)` as COLUMN; whole rows use `(row)`.
public struct Difference: Sendable, Hashable {
  /// What kind of difference this is.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    /// A value changed: a number beyond tolerance, or any change of text, boolean or null.
    case changed
    /// A file of the baseline is not in the current folder.
    case missingFile = "missing file"
    /// A file of the current folder is not in the baseline.
    case newFile = "new file"
    /// A CSV row (by key) or JSON array element of the baseline is not in the current output.
    case missingRow = "missing row"
    /// A CSV row or JSON array element of the current output is not in the baseline.
    case newRow = "new row"
    /// A CSV column or JSON member of the baseline is not in the current output.
    case missingColumn = "missing column"
    /// A CSV column or JSON member of the current output is not in the baseline.
    case newColumn = "new column"
    /// A derived view (Markdown, HTML, any file other than CSV or JSON) is not byte-identical.
    /// Informational only: it never fails a comparison, because the numbers it shows are
    /// compared, with tolerance, in the CSV and JSON files it is derived from.
    case textDiffers = "text differs"
    /// A Monte Carlo diagnostic of the trajectory (R-hat, effective sample sizes, step sizes,
    /// divergences, their warnings, an outlier verdict) differs: informational only, since
    /// another realisation of the sampler moves it (``MonteCarloFigures``).
    case monteCarlo = "Monte Carlo diagnostic differs"
  }

  /// The kind of difference.
  public var kind: Kind
  /// The file's path relative to the compared folders, with `/` separators.
  public var file: String
  /// The row key, JSON object path, or `-` for a file-level difference.
  public var key: String
  /// The column or member name, `(row)` for a whole row, `(file)` for a whole file.
  public var column: String
  /// The baseline value as written (JSON strings quoted), or `nil` when absent.
  public var baseline: String?
  /// The current value as written, or `nil` when absent.
  public var current: String?
  /// (current − baseline) / |baseline| when both are numbers and the baseline is not zero.
  public var relativeChange: Double?

  /// Creates a difference.
  public init(
    kind: Kind, file: String, key: String = "-", column: String, baseline: String? = nil,
    current: String? = nil, relativeChange: Double? = nil
  ) {
    self.kind = kind
    self.file = file
    self.key = key
    self.column = column
    self.baseline = baseline
    self.current = current
    self.relativeChange = relativeChange
  }

  /// Whether this difference fails a comparison (every kind but ``Kind/textDiffers`` and
  /// ``Kind/monteCarlo``).
  public var isFailure: Bool { kind != .textDiffers && kind != .monteCarlo }

  /// The report line: `FILE  ROW-KEY  COLUMN  baseline → current  (relative change)`.
  public var line: String {
    let b = baseline ?? "(missing)"
    let c = current ?? "(missing)"
    var out = "\(file)  \(key)  \(column)  "
    switch kind {
    case .changed:
      out += "\(b) → \(c)"
      if let r = relativeChange {
        out += "  (\(Difference.signed(r)) relative)"
      } else if let x = baseline.flatMap(Difference.number), let y = current.flatMap(Difference.number) {
        out += "  (\(Difference.signed(y - x)) absolute)"
      }
    case .missingFile, .missingRow, .missingColumn:
      out += "\(baseline ?? "present") → (missing)  (\(kind.rawValue))"
    case .newFile, .newRow, .newColumn:
      out += "(missing) → \(current ?? "present")  (\(kind.rawValue))"
    case .textDiffers:
      out += "differs  (informational: derived view)"
    case .monteCarlo:
      out += "\(b) → \(c)  (informational: Monte Carlo diagnostic)"
    }
    return out
  }

  /// Order of the report: file, key, column, then kind.
  static func ordered(_ a: Difference, _ b: Difference) -> Bool {
    if a.file != b.file { return a.file < b.file }
    if a.key != b.key { return a.key < b.key }
    if a.column != b.column { return a.column < b.column }
    return a.kind.rawValue < b.kind.rawValue
  }

  /// `+1.2e-04`: three significant digits with a sign.
  static func signed(_ x: Double) -> String {
    (x.sign == .minus ? "-" : "+") + NumberFormat.scientific(abs(x), precision: 2)
  }

  /// A strict plain number: digits, an optional sign, point and exponent, finite — never
  /// `nan`, `inf` or hexadecimal, which `Double(String)` would accept.
  static func number(_ s: String) -> Double? {
    guard !s.isEmpty, s.utf8.count < 400 else { return nil }
    var sawDigit = false
    for u in s.utf8 {
      switch u {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
      case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): break
      default: return nil
      }
    }
    guard sawDigit, let x = Double(s), x.isFinite else { return nil }
    return x
  }
}

/// Why two output folders could not be compared.
public enum ComparisonError: Error, Sendable, Hashable, CustomStringConvertible {
  /// A compared folder does not exist (exit code 66).
  case missingFolder(path: String)
  /// A compared path is not a folder (exit code 66).
  case notAFolder(path: String)
  /// A file could not be read (exit code 66).
  case unreadable(path: String, reason: String)
  /// A CSV or JSON file is malformed (exit code 65): the diagnostics, in file order.
  case invalid([Diagnostic])

  /// The exit code of the command-line contract: 66 for missing or unreadable input, 65 for
  /// malformed data.
  public var exitCode: Int32 {
    switch self {
    case .missingFolder, .notAFolder, .unreadable: return 66
    case .invalid: return 65
    }
  }

  /// Compiler-style text, one line per diagnostic.
  public var description: String {
    switch self {
    case .missingFolder(let path): return "\(path): error: no such folder"
    case .notAFolder(let path): return "\(path): error: not a folder"
    case .unreadable(let path, let reason): return "\(path): error: cannot read file: \(reason)"
    case .invalid(let list): return list.map(\.description).joined(separator: "\n")
    }
  }
}
