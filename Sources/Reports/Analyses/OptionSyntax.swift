import Figures
import Statistics

extension FitRequest {
  /// The starting values of `fit --model nls --start`: `"b1=500,b2=1e-4"` →
  /// `[("b1", 500), ("b2", 0.0001)]`, in the order written.
  /// - Returns: nil when malformed: a part without `=`, an empty name, a value that is not a
  ///   finite number, a name given twice, or no part at all.
  public static func parseStart(_ text: String) -> [(name: String, value: Double)]? {
    var out: [(name: String, value: Double)] = []
    for part in text.split(separator: ",") {
      let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingBlanks() }
      guard kv.count == 2, !kv[0].isEmpty, let v = Double(kv[1]), v.isFinite else { return nil }
      guard !out.contains(where: { $0.name == kv[0] }) else { return nil }
      out.append((kv[0], v))
    }
    return out.isEmpty ? nil : out
  }
}

extension TrendAnalysis {
  /// The years of `trend --span FROM:TO`: `"1998:2001"` → `1998...2001`.
  /// - Returns: nil unless the text is two integers separated by `:` with FROM < TO.
  public static func parseSpan(_ text: String) -> ClosedRange<Int>? {
    let parts = text.split(separator: ":")
    guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a < b else { return nil }
    return a...b
  }
}

extension FitRequest {
  /// Why the options of `reconcile fit` do not go together — a usage error (exit code 64) —
  /// or nil. Checked in order: `degree` at least 1; `nls` (or a `formula`) needs `formula`
  /// and well-formed `start` values (``parseStart(_:)``); a formula too long or too deep to
  /// read (one that merely does not parse is reported with the data, 65); `wls` needs
  /// `weights`; an `offset` needs a count model (poisson, quasipoisson, negbin).
  public static func optionProblem(
    model: ModelKind, formula: String?, start: String?, weights: String?, offset: String?, degree: Int
  ) -> String? {
    if degree < 1 { return "--degree must be at least 1, got \(degree)" }
    if model == .nls || formula != nil {
      guard formula != nil, let start, parseStart(start) != nil else {
        return "nls needs --formula EXPR and --start NAME=VALUE[,NAME=VALUE...] with numeric values"
      }
    }
    if let formula {
      do throws(ExpressionError) {
        _ = try Statistics.Expression(formula)
      } catch {
        if error.kind == .limit { return "<formula>:1:\(error.column): error: --formula: \(error.message)" }
      }
    }
    if model == .wls && weights == nil { return "--model wls needs --weights COL" }
    if offset != nil && ![.poisson, .quasipoisson, .negbin].contains(model) {
      return "--offset applies to count models (poisson, quasipoisson, negbin)"
    }
    return nil
  }
}

extension TrendAnalysis {
  /// Why `--grid` or `--span` of `reconcile trend` is malformed — a usage error (exit code
  /// 64) — or nil: `grid` must be 0…12 points per year, `span` `FROM:TO` (``parseSpan(_:)``).
  /// Whether the span lies within the data's years is ``optionProblem(years:through:span:)``.
  public static func optionSyntaxProblem(grid: Int, span: String?, vintage: String? = nil) -> String? {
    if !(0...12).contains(grid) { return "--grid must be between 0 and 12 points per year (got \(grid))" }
    if let span, parseSpan(span) == nil {
      return "--span must be FROM:TO with FROM < TO, e.g. 1998:2001 (got '\(span)')"
    }
    if let vintage, parseVintage(vintage) == nil {
      return "--vintage must be a date YYYY-MM-DD, e.g. 2003-01-01 (got '\(vintage)')"
    }
    return nil
  }

  /// The date of `--vintage YYYY-MM-DD`; nil unless the text is one existing day.
  public static func parseVintage(_ text: String) -> CalendarDate? {
    guard case .success(let p) = Period.parse(text), !p.isInterval, p.start == p.end,
      text.trimmingBlanks().utf8.count == 10
    else { return nil }
    return p.start
  }
}
