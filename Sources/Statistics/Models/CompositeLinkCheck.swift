import Numerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A stated cumulative total ("34,314 through 2024") set against the published buckets and
/// against the model: see ``CompositeLinkFit/checkCumulative(stated:through:from:tolerance:level:)``.
public struct CompositeCumulativeCheck: Sendable, Equatable {
  /// What the pass or fail was decided on.
  public enum Basis: String, Sendable, Equatable {
    /// The published buckets cover exactly the years: their sum is compared with the total.
    case observed
    /// They do not: the total is compared with the fitted sum's interval.
    case fittedInterval = "fitted_interval"
  }

  /// The first year the total covers.
  public var firstYear: Int
  /// The last year the total covers.
  public var lastYear: Int
  /// The stated total.
  public var stated: Double
  /// The allowed difference (absolute, in counts).
  public var tolerance: Double
  /// The sum of the buckets when they cover exactly these years; nil otherwise.
  public var observed: Double?
  /// Why there is, or is not, an observed sum.
  public var observedNote: String
  /// The model's sum of the years' means.
  public var fitted: Double
  /// Lower end of the fitted sum's interval.
  public var fittedLow: Double
  /// Upper end of the fitted sum's interval.
  public var fittedHigh: Double
  /// The interval's level.
  public var level: Double
  /// What decided `passed`.
  public var basis: Basis
  /// Observed basis: |observed − stated| ≤ tolerance. Fitted basis: the stated total lies
  /// in the fitted interval widened by the tolerance, and the fit converged.
  public var passed: Bool
  /// One claim-style line: `pass` or `fail`, the years, and the numbers.
  public var line: String
}

extension CompositeLinkFit {
  /// Checks a stated cumulative total over the years `from` through `through`: the fitted
  /// sum with its interval, the observed sum where the buckets cover exactly those years
  /// (every year in one bucket, no bucket crossing either end), and pass or fail.
  ///
  /// - Parameters:
  ///   - stated: the published total, finite and ≥ 0.
  ///   - through: the last year it covers.
  ///   - from: the first year it covers; nil for the first modelled year ("through 2024"
  ///     counts from the start, which for a bucket such as "up to 1998" is the stated first
  ///     year of that bucket).
  ///   - tolerance: the allowed absolute difference, ≥ 0 (0.5: the total is a whole number).
  ///   - level: the fitted interval's level; nil for the fit's.
  /// - Throws: `StatisticsError.invalidInput` for years outside the model or in the wrong
  ///   order, a stated total or tolerance that is negative or not finite, or a bad level.
  public func checkCumulative(
    stated: Double, through last: Int, from first: Int? = nil, tolerance: Double = 0.5, level: Double? = nil
  ) throws(StatisticsError) -> CompositeCumulativeCheck {
    guard stated.isFinite, stated >= 0 else {
      throw .invalidInput("the stated total is \(stated): it must be finite and not negative")
    }
    guard tolerance.isFinite, tolerance >= 0 else {
      throw .invalidInput("the tolerance is \(tolerance): it must be finite and not negative")
    }
    let start = first ?? firstYear
    let level = level ?? self.level
    let fitted = try fittedSum(from: start, through: last, level: level)
    let (observed, note) = observedSum(from: start - firstYear, through: last - firstYear)
    let basis: CompositeCumulativeCheck.Basis = observed == nil ? .fittedInterval : .observed
    let passed: Bool
    if let observed {
      passed = abs(observed - stated) <= tolerance
    } else {
      passed = converged && stated >= fitted.low - tolerance && stated <= fitted.high + tolerance
    }
    let years = start == last ? "\(start)" : "\(start)–\(last)"
    let percent = Self.format(level * 100) + "%"
    var line = "\(passed ? "pass" : "fail")  cumulative \(years): stated \(Self.format(stated)); "
    if let observed {
      line +=
        "observed \(Self.format(observed)) (\(note); difference \(Self.format(abs(observed - stated))), tolerance \(Self.format(tolerance))); "
    } else {
      line += "no observed sum (\(note)); "
    }
    line +=
      "fitted \(Self.format(fitted.estimate)) (\(percent) CI \(Self.format(fitted.low))–\(Self.format(fitted.high)))"
    if observed == nil {
      line += passed ? ", which holds the stated total" : ", which does not hold the stated total"
      line += " (tolerance \(Self.format(tolerance)))"
    }
    line += " [\(family.rawValue)]"
    if !converged { line += " — the fit did not converge" }
    return CompositeCumulativeCheck(
      firstYear: start, lastYear: last, stated: stated, tolerance: tolerance, observed: observed,
      observedNote: note, fitted: fitted.estimate, fittedLow: fitted.low, fittedHigh: fitted.high, level: level,
      basis: basis, passed: passed, line: line)
  }

  /// The sum of the buckets covering exactly the year indices `a`…`b`, or nil and why not.
  func observedSum(from a: Int, through b: Int) -> (Double?, String) {
    var covered = 0
    var sum = Summation.Accumulator()
    for j in bucketFirst.indices {
      let (f, l) = (bucketFirst[j], bucketLast[j])
      if l < a || f > b { continue }
      guard f >= a, l <= b else {
        let end = f < a ? firstYear + a : firstYear + b
        return (nil, "bucket \(firstYear + f)–\(firstYear + l) crosses \(end)")
      }
      covered += l - f + 1
      sum.add(counts[j])
    }
    guard covered == b - a + 1 else {
      // (buckets do not overlap, so some year is uncovered)
      var seen = [Bool](repeating: false, count: b - a + 1)
      for j in bucketFirst.indices where bucketFirst[j] >= a && bucketLast[j] <= b {
        for t in bucketFirst[j]...bucketLast[j] { seen[t - a] = true }
      }
      let gap = (seen.firstIndex(of: false) ?? 0) + a + firstYear
      return (nil, "no published count covers \(gap)")
    }
    return (sum.value, "the buckets cover exactly these years")
  }

  /// A number for the claim line: whole and grouped by thousands from 1,000 up, else four
  /// significant digits without trailing zeros.
  static func format(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "∞" : "−∞") }
    let sign = x < 0 ? "-" : ""
    let a = abs(x)
    if a >= 1e15 || (a < 1e-6 && a > 0) { return "\(x)" }
    if a >= 999.5 {
      var digits = String(Int64(a.rounded()))
      var groups: [Substring] = []
      while digits.count > 3 {
        groups.insert(digits.suffix(3), at: 0)
        digits.removeLast(3)
      }
      groups.insert(Substring(digits), at: 0)
      return sign + groups.joined(separator: ",")
    }
    let decimals = a == 0 ? 0 : max(0, 3 - Int(log10(a).rounded(.down)))
    let scale = pow(10, Double(decimals))
    let scaled = Int64((a * scale).rounded())
    let whole = scaled / Int64(scale)
    var fraction = String(scaled % Int64(scale))
    while fraction.count < decimals { fraction = "0" + fraction }
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return sign + "\(whole)" + (fraction.isEmpty ? "" : "." + fraction)
  }
}
