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

/// Why a formula could not be evaluated, with the 1-based column inside the formula (or
/// stated) cell of the token at fault, when one is known.
struct ClaimEvaluationError: Error, Sendable {
  var message: String
  var offset: Int?
}

/// A number computed from a formula together with the formula re-printed with the figures'
/// values substituted (`121 / 629`), for the detail line.
struct Evaluated {
  var value: Double
  var text: String
  /// Whether `text` is an infix expression that needs parentheses inside another one.
  var compound: Bool = false
  /// The stock–flow parts of a top-level `net(inflow, outflow)`.
  var flows: (inflow: Double, outflow: Double)? = nil
  /// k and n of a top-level `proportion(k, n)`.
  var proportion: (k: Double, n: Double)? = nil
  /// The confidence interval of a top-level `growth(q, from, to)`, and its level.
  var interval: (low: Double, high: Double, level: Double)? = nil

  var operand: String { compound ? "(\(text))" : text }
}

/// Evaluates claims formulas against the figures, supplying the claims functions.
///
/// Growth factors are cached per (quantity, from, to, vintage): `TrendAnalysis.run` is the
/// costly step and claims often repeat a span. `growth()` fits the series as it stood when
/// the claim was published (``vintage``): a claim printed in 2002 speaks of the 2002 printing,
/// not of a later table that revised it.
final class ClaimsEvaluator {
  /// The functions a claims formula may call besides the built-in ones.
  static let functions: Set<String> = [
    "share", "ratio", "sum", "annualise", "annualize", "convert", "net", "stay", "little",
    "proportion", "growth", "low", "high", "mid", "value", "exposure", "min", "max",
  ]

  let figures: [FiguresFile]
  /// The publication date of the claim being evaluated: `growth()` uses only the figures
  /// published by then (``TrendAnalysis/run(_:quantity:model:level:through:span:joinpoint:vintage:)``);
  /// nil (no date) for every figure.
  var vintage: PublicationDate? = nil
  private var byID: [String: Figure] = [:]
  private var growthCache:
    [String: Result<(Double, (low: Double, high: Double, level: Double)?), ClaimEvaluationError>] =
      [:]

  init(figures: [FiguresFile]) {
    self.figures = figures
    for file in figures {
      for figure in file.figures where byID[figure.id] == nil { byID[figure.id] = figure }
    }
  }

  /// The figure a formula name refers to: the id as written, else with `_` read as `-`.
  func figure(named name: String) -> Figure? {
    if let f = byID[name] { return f }
    return byID[name.replacing("_", with: "-")]
  }

  func evaluate(_ node: ExpressionNode) throws(ClaimEvaluationError) -> Evaluated {
    let result = try evaluateNode(node)
    guard result.value.isFinite else {
      throw ClaimEvaluationError(
        message: "\(result.text) is not a finite number (\(result.value))", offset: nil)
    }
    return result
  }

  private func evaluateNode(_ node: ExpressionNode) throws(ClaimEvaluationError) -> Evaluated {
    switch node {
    case .number(let v):
      return Evaluated(value: v, text: v == Double.pi ? "π" : ClaimsFormat.number(v))
    case .variable(let name, let column):
      let f = try lookup(name, column: column)
      if let v = f.value { return Evaluated(value: v, text: ClaimsFormat.number(v)) }
      if f.effectiveLow != nil || f.effectiveHigh != nil {
        throw ClaimEvaluationError(
          message:
            "figure '\(f.id)' is a range (\(ClaimsFormat.range(f))), not a point: write low(\(name)), high(\(name)) or mid(\(name))",
          offset: column)
      }
      throw ClaimEvaluationError(message: "figure '\(f.id)' has no number", offset: column)
    case .negate(let a):
      let x = try evaluateNode(a)
      return Evaluated(value: -x.value, text: "-\(x.operand)", compound: true)
    case .binary(let op, let a, let b):
      let x = try evaluateNode(a)
      let y = try evaluateNode(b)
      let symbol = op == .multiply ? "×" : op.rawValue
      if op == .divide, y.value == 0 {
        throw ClaimEvaluationError(
          message: "division by zero: \(x.operand) / \(y.operand)", offset: nil)
      }
      let v: Double
      switch op {
      case .add: v = x.value + y.value
      case .subtract: v = x.value - y.value
      case .multiply: v = x.value * y.value
      case .divide: v = x.value / y.value
      case .power: v = cPow(x.value, y.value)
      }
      let text = "\(x.operand) \(symbol) \(y.operand)"
      guard v.isFinite else {
        throw ClaimEvaluationError(message: "\(text) is not a finite number", offset: nil)
      }
      return Evaluated(value: v, text: text, compound: true)
    case .call(let f, let a):
      let x = try evaluateNode(a)
      switch f {
      case .log where x.value < 0, .sqrt where x.value < 0:
        throw ClaimEvaluationError(
          message: "\(f.rawValue) of a negative number (\(x.text) = \(ClaimsFormat.number(x.value)))",
          offset: nil)
      case .log where x.value == 0:
        throw ClaimEvaluationError(message: "log of zero (\(x.text))", offset: nil)
      default: break
      }
      let v = f.apply(x.value)
      let text = "\(f.rawValue)(\(x.text))"
      guard v.isFinite else {
        throw ClaimEvaluationError(message: "\(text) is not a finite number", offset: nil)
      }
      return Evaluated(value: v, text: text)
    case .apply(let name, let arguments, let column):
      return try apply(name, arguments, column: column)
    }
  }

  private func lookup(_ name: String, column: Int) throws(ClaimEvaluationError) -> Figure {
    guard let f = figure(named: name) else {
      let alt = name.replacing("_", with: "-")
      let tried = alt == name ? "'\(name)'" : "'\(name)' or '\(alt)'"
      throw ClaimEvaluationError(
        message: "unknown figure \(tried): no figure has that id", offset: column)
    }
    return f
  }

  /// The figure named by the single argument of `name(id)`.
  private func figureArgument(
    _ name: String, _ arguments: [ExpressionNode], column: Int
  ) throws(ClaimEvaluationError) -> (Figure, String) {
    guard arguments.count == 1, let first = arguments.first, case .variable(let id, let c) = first
    else {
      throw ClaimEvaluationError(
        message: "\(name)() takes one figure id, e.g. \(name)(mou_2002_partial)", offset: column)
    }
    return (try lookup(id, column: c), id)
  }

  private func values(
    _ name: String, _ arguments: [ExpressionNode], count: Int?, column: Int
  ) throws(ClaimEvaluationError) -> [Evaluated] {
    if let count, arguments.count != count {
      throw ClaimEvaluationError(
        message: "\(name)() takes \(count) argument\(count == 1 ? "" : "s"), got \(arguments.count)",
        offset: column)
    }
    if count == nil, arguments.isEmpty {
      throw ClaimEvaluationError(message: "\(name)() needs at least one argument", offset: column)
    }
    var out: [Evaluated] = []
    for a in arguments { out.append(try evaluateNode(a)) }
    return out
  }

  private func quotient(
    _ a: Evaluated, _ b: Evaluated, _ name: String, _ arguments: [ExpressionNode], column: Int
  ) throws(ClaimEvaluationError) -> Evaluated {
    guard b.value != 0 else {
      let call = "\(name)(\(arguments.map(\.description).joined(separator: ", ")))"
      let divisor = arguments.count == 2 ? arguments[1].description : b.text
      throw ClaimEvaluationError(
        message: "division by zero in \(call): \(divisor) is 0", offset: column)
    }
    return Evaluated(value: a.value / b.value, text: "\(a.operand) / \(b.operand)", compound: true)
  }

  private func apply(
    _ name: String, _ arguments: [ExpressionNode], column: Int
  ) throws(ClaimEvaluationError) -> Evaluated {
    switch name {
    case "share", "ratio", "convert", "stay":
      let v = try values(name, arguments, count: 2, column: column)
      return try quotient(v[0], v[1], name, arguments, column: column)
    case "proportion":
      let v = try values(name, arguments, count: 2, column: column)
      let (k, n) = (v[0].value, v[1].value)
      guard n > 0, k >= 0, k <= n else {
        throw ClaimEvaluationError(
          message:
            "proportion(k, n) needs 0 ≤ k ≤ n and n > 0, got k = \(ClaimsFormat.number(k)), n = \(ClaimsFormat.number(n))",
          offset: column)
      }
      var r = try quotient(v[0], v[1], name, arguments, column: column)
      r.proportion = (k, n)
      return r
    case "net":
      let v = try values(name, arguments, count: 2, column: column)
      var r = Evaluated(
        value: v[0].value - v[1].value,
        text: "inflow \(v[0].operand) − outflow \(v[1].operand)", compound: true)
      r.flows = (v[0].value, v[1].value)
      return r
    case "little":
      let v = try values(name, arguments, count: 2, column: column)
      return Evaluated(
        value: v[0].value * v[1].value, text: "\(v[0].operand) × \(v[1].operand)", compound: true)
    case "sum":
      let v = try values(name, arguments, count: nil, column: column)
      var total = 0.0
      for x in v { total += x.value }
      return Evaluated(
        value: total, text: v.map(\.operand).joined(separator: " + "), compound: v.count > 1)
    case "min", "max":
      let v = try values(name, arguments, count: nil, column: column)
      let all = v.map(\.value)
      let m = (name == "min" ? all.min() : all.max()) ?? .nan
      return Evaluated(value: m, text: "\(name)(\(v.map(\.text).joined(separator: ", ")))")
    case "annualise", "annualize":
      if arguments.count == 2 {
        let v = try values(name, arguments, count: 2, column: column)
        guard v[1].value != 0 else {
          throw ClaimEvaluationError(message: "division by zero in \(name)(): 0 days", offset: column)
        }
        return Evaluated(
          value: v[0].value * 365 / v[1].value, text: "\(v[0].operand) × 365 / \(v[1].operand)",
          compound: true)
      }
      let (f, id) = try figureArgument(name, arguments, column: column)
      guard let x = f.value else {
        throw ClaimEvaluationError(
          message: "\(name)(\(id)): figure '\(f.id)' has no point value", offset: column)
      }
      guard let period = f.period, period.exposure > 0 else {
        throw ClaimEvaluationError(
          message: "\(name)(\(id)): figure '\(f.id)' has no period to annualise over; write \(name)(x, days)",
          offset: column)
      }
      switch f.measure {
      case .flow: break
      case .stock:
        throw ClaimEvaluationError(
          message: "\(name)(\(id)): figure '\(f.id)' is a stock (a level at a date), which is never annualised",
          offset: column)
      case .cumulative:
        throw ClaimEvaluationError(
          message:
            "\(name)(\(id)): figure '\(f.id)' is a cumulative total (a running count to a date), which is never annualised: its years are not stated by its period; annualise a flow, or write \(name)(x, days)",
          offset: column)
      }
      return Evaluated(
        value: x / period.exposure,
        text: period.spansYears
          ? "\(ClaimsFormat.number(x)) / \(NumberFormat.human(period.exposure, significant: 4)) years (\(period.text))"
          : "\(ClaimsFormat.number(x)) × 365 / \(period.days) days of \(period.year)",
        compound: true)
    case "low", "high", "mid", "value", "exposure":
      let (f, id) = try figureArgument(name, arguments, column: column)
      let v: Double?
      switch name {
      case "low": v = f.effectiveLow
      case "high": v = f.effectiveHigh
      case "value": v = f.value
      case "exposure": v = f.period?.exposure
      default:
        if let lo = f.effectiveLow, let hi = f.effectiveHigh {
          v = lo > 0 && hi > 0 ? (lo * hi).squareRoot() : (lo + hi) / 2
        } else {
          v = nil
        }
      }
      guard let v else {
        let why: String
        switch name {
        case "exposure": why = "has no period"
        case "value": why = "has no point value (it is a range: use low, high or mid)"
        case "mid": why = "has no closed range (\(ClaimsFormat.range(f)))"
        default: why = "has no \(name) end"
        }
        throw ClaimEvaluationError(message: "\(name)(\(id)): figure '\(f.id)' \(why)", offset: column)
      }
      return Evaluated(
        value: v, text: ClaimsFormat.number(v, significant: name == "exposure" || name == "mid" ? 4 : nil))
    case "growth":
      guard arguments.count == 3, case .variable(let quantity, _) = arguments[0] else {
        throw ClaimEvaluationError(
          message: "growth() takes a quantity and two years, e.g. growth(mou_arrivals, 1998, 2001)",
          offset: column)
      }
      let from = try evaluateNode(arguments[1]).value
      let to = try evaluateNode(arguments[2]).value
      guard from == from.rounded(), to == to.rounded(), abs(from) < 1e6, abs(to) < 1e6, from < to
      else {
        throw ClaimEvaluationError(
          message: "growth(): the years must be whole numbers with from < to", offset: column)
      }
      let a = Int(from)
      let b = Int(to)
      let key = "\(quantity)\u{0}\(a)\u{0}\(b)\u{0}\(vintage?.lastDay.description ?? "")"
      let result: Result<(Double, (low: Double, high: Double, level: Double)?), ClaimEvaluationError>
      if let cached = growthCache[key] {
        result = cached
      } else {
        result = growthFactor(quantity, a...b, column: column)
        growthCache[key] = result
      }
      let (g, interval) = try result.get()
      return Evaluated(
        value: g,
        text:
          "growth factor per year of \(quantity) \(a)–\(b)\(vintage.map { " (figures published by \($0.text))" } ?? "")",
        compound: true, interval: interval)
    default:
      throw ClaimEvaluationError(message: "unknown function '\(name)'", offset: column)
    }
  }

  private func growthFactor(_ quantity: String, _ span: ClosedRange<Int>, column: Int)
    -> Result<(Double, (low: Double, high: Double, level: Double)?), ClaimEvaluationError>
  {
    do throws(AnalysisError) {
      let all = try TrendAnalysis.run(figures, quantity: quantity, span: span, vintage: vintage?.lastDay)
      guard let r = all.results.first, all.results.count == 1 else {
        return .failure(
          ClaimEvaluationError(
            message:
              "growth(\(quantity), \(span.lowerBound), \(span.upperBound)): \(quantity) has \(all.results.count) series (\(all.results.map(\.series).joined(separator: ", "))); a growth factor is one series'",
            offset: column))
      }
      guard let g = r.span?.growthFactor.estimate, g.isFinite else {
        return .failure(
          ClaimEvaluationError(
            message: "growth(\(quantity), \(span.lowerBound), \(span.upperBound)): the fit gives no growth factor",
            offset: column))
      }
      let factor = r.span?.growthFactor
      let interval = factor.flatMap { f -> (low: Double, high: Double, level: Double)? in
        guard let lo = f.low, let hi = f.high, lo.isFinite, hi.isFinite else { return nil }
        return (lo, hi, r.fit.level)
      }
      return .success((g, interval))
    } catch {
      return .failure(
        ClaimEvaluationError(
          message: "growth(\(quantity), \(span.lowerBound), \(span.upperBound)): \(error.description)",
          offset: column))
    }
  }
}

/// Number formatting for claim details.
enum ClaimsFormat {
  /// Whole numbers in full with thousands separators (`84,388`); others to 4 significant
  /// digits (`0.1924`, `60.24`).
  static func number(_ x: Double, significant: Int? = nil) -> String {
    guard x.isFinite else { return "\(x)" }
    if significant == nil, x == x.rounded(), abs(x) < 1e15 {
      return NumberFormat.groupThousands(String(Int64(x)))
    }
    return NumberFormat.human(x, significant: significant ?? 4)
  }

  static func range(_ f: Figure) -> String {
    let lo = f.effectiveLow.map { number($0) } ?? "…"
    let hi = f.effectiveHigh.map { number($0) } ?? "…"
    return "\(lo)–\(hi)"
  }

  /// A percentage to 2 significant digits: `20%`, `5.5%`, `0.31%`.
  static func percent(_ x: Double) -> String {
    NumberFormat.human(x * 100, significant: 2) + "%"
  }
}
