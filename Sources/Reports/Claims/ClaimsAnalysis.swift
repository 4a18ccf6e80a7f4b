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

/// The outcome of checking one claim.
public enum ClaimStatus: String, Sendable, Hashable {
  /// The computed figure bears the claim out.
  case pass
  /// The computed figure contradicts the claim.
  case fail
  /// The claim could not be checked: a formula error, an unknown figure, a bad op, a
  /// division by zero or a result that is not a finite number.
  case error
  /// The part and the whole of a share cover different periods (121 arrivals over March–September
  /// against 629 by 30 July): the computed figure does not say what the claim says, so it is
  /// neither borne out nor contradicted.
  case periodMismatch = "period_mismatch"
  /// The stated figure is an input of its own formula (a share read from the same sentence
  /// and multiplied back): the check cannot fail, so it proves nothing.
  case tautology
  /// The computed figure's own interval (a fitted growth factor's confidence interval) holds
  /// values that bear the claim out and values that contradict it: the figures cannot decide.
  case unverifiable
  /// One of several failed checks of one account against itself (the same source and
  /// document, every figure of the formulas from that source): the account is inconsistent —
  /// one finding, not several independent failures.
  case inconsistent

  /// As tables print it: `PASS`, `PERIOD MISMATCH`, …
  public var shown: String { rawValue.replacing("_", with: " ").uppercased() }
}

/// One checked claim.
public struct ClaimResult: Sendable, Hashable {
  /// The claim's id.
  public var id: String
  /// The claim in words.
  public var claim: String
  /// Pass, fail or error.
  public var status: ClaimStatus
  /// The figure the formula computes; `nil` when it could not be computed.
  public var computed: Double?
  /// The stated figure's value; `nil` when it could not be read.
  public var stated: Double?
  /// One line explaining the result in words, with the numbers:
  /// `121 / 629 = 0.1924 > 1/6 = 0.1667`.
  public var detail: String
  /// The claim's row (no column).
  public var location: SourceLocation
  /// The op as written.
  public var op: String
  /// The claim's provenance.
  public var source: String
  /// The document the claim is printed in.
  public var document: String
  /// The sentence the claim is printed in.
  public var quote: String
  /// The sources of the figures the formula reads (empty when it could not be read).
  public var inputSources: Set<String> = []
  /// For `error`: the compiler-style diagnostics (`PATH:LINE:COLUMN: error: …`, the column
  /// being the offending token's inside the formula or stated cell); empty otherwise.
  public var diagnostics: [Diagnostic]

  /// Creates a result.
  public init(
    id: String, claim: String, status: ClaimStatus, computed: Double?, stated: Double?,
    detail: String, location: SourceLocation, op: String = "", source: String = "",
    document: String = "", quote: String = "", diagnostics: [Diagnostic] = []
  ) {
    self.id = id
    self.claim = claim
    self.status = status
    self.computed = computed
    self.stated = stated
    self.detail = detail
    self.location = location
    self.op = op
    self.source = source
    self.document = document
    self.quote = quote
    self.diagnostics = diagnostics
  }
}

/// Every claim of the claims files checked, in file order.
public struct ClaimsReport: Sendable, Hashable {
  /// The results, files in the order given, claims in file order.
  public var results: [ClaimResult]

  /// Creates a report.
  public init(results: [ClaimResult]) { self.results = results }

  /// How many claims passed.
  public var passed: Int { results.count { $0.status == .pass } }
  /// How many claims failed.
  public var failed: Int { results.count { $0.status == .fail } }
  /// How many checks found an account inconsistent with itself (`inconsistent`).
  public var inconsistentChecks: Int { results.count { $0.status == .inconsistent } }
  /// How many claims could not be checked.
  public var errors: Int { results.count { $0.status == .error } }
  /// How many claims compare parts over different periods.
  public var periodMismatches: Int { results.count { $0.status == .periodMismatch } }
  /// How many claims the figures cannot decide.
  public var unverifiable: Int { results.count { $0.status == .unverifiable } }
  /// How many claims cannot fail (the stated figure is an input of the formula).
  public var tautologies: Int { results.count { $0.status == .tautology } }
  /// The inconsistent accounts: groups of failed checks of one account against itself, by
  /// source and document, each with its claims' ids in file order.
  public var inconsistentAccounts: [(source: String, document: String, ids: [String])] {
    var out: [(source: String, document: String, ids: [String])] = []
    for r in results where r.status == .inconsistent {
      if let k = out.firstIndex(where: { $0.source == r.source && $0.document == r.document }) {
        out[k].ids.append(r.id)
      } else {
        out.append((r.source, r.document, [r.id]))
      }
    }
    return out
  }
  /// The totals in words: "19 passed, 2 failed, 1 period mismatch, 1 tautology, 0 errors"
  /// (the last two only when there are any).
  public var totals: String {
    var parts = ["\(passed) passed", "\(failed) failed"]
    let accounts = inconsistentAccounts
    if !accounts.isEmpty {
      let checks = accounts.reduce(0) { $0 + $1.ids.count }
      parts.append(
        "\(accounts.count) inconsistent account\(accounts.count == 1 ? "" : "s") (\(checks) checks)")
    }
    if unverifiable > 0 { parts.append("\(unverifiable) unverifiable") }
    if periodMismatches > 0 { parts.append("\(periodMismatches) period mismatch\(periodMismatches == 1 ? "" : "es")") }
    if tautologies > 0 { parts.append("\(tautologies) tautolog\(tautologies == 1 ? "y" : "ies")") }
    parts.append("\(errors) error\(errors == 1 ? "" : "s")")
    return parts.joined(separator: ", ")
  }
  /// The diagnostics of every claim in error, in file order.
  public var diagnostics: [Diagnostic] { results.flatMap(\.diagnostics) }

  /// Failed claims first, then period mismatches, tautologies, errors, then passes; file order
  /// within each group.
  public var triaged: [ClaimResult] {
    [ClaimStatus.fail, .inconsistent, .unverifiable, .periodMismatch, .tautology, .error, .pass].flatMap { status in
      results.filter { $0.status == status }
    }
  }
}

/// Checks the claims reports print beside their numbers against the figures files
/// (`reconcile check`). The claims file format is documented on `ClaimsReader`.
///
/// **Rules.** `<`, `<=`, `>`, `>=` compare the computed figure with the stated one. `≈`
/// passes when |computed − stated| ≤ tolerance·|stated| for a stated tolerance, else ≤
/// max(1%·|stated|, half a unit in the last significant digit of the stated figure as
/// printed) (`Claim.allowance(stated:)`). A
/// formula that is a top-level `proportion(k, n)` passes when the stated share lies inside
/// the 95% Wilson score interval for k successes in n trials (Wilson, "Probable inference,
/// the law of succession, and statistical inference", *JASA* 22 (1927) 209–212):
/// (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n), z = Φ⁻¹(0.975); the op is then not
/// used.
///
/// A claim that cannot be checked (an unknown figure or function, a syntax error, a bad op,
/// division by zero, a non-finite result) has status `error` and diagnostics; the other
/// claims are still checked.
public enum ClaimsAnalysis {
  /// Checks every claim of `claims` against the figures of `figures`.
  ///
  /// - Complexity: one `TrendAnalysis` fit per distinct `growth(q, from, to)`; otherwise
  ///   linear in the size of the formulas.
  public static func run(claims: [ClaimsFile], figures: [FiguresFile]) -> ClaimsReport {
    let evaluator = ClaimsEvaluator(figures: figures)
    var results: [ClaimResult] = []
    for file in claims {
      for claim in file.claims { results.append(check(claim, evaluator)) }
    }
    markInconsistentAccounts(&results)
    return ClaimsReport(results: results)
  }

  /// Failed checks of one account against itself — two or more failures with the same source
  /// and document, each reading only figures of that source — become `inconsistent`: the
  /// account contradicts itself once, whatever the number of checks that show it (issue #30:
  /// three checks of one witness's testimony were three independent failures).
  static func markInconsistentAccounts(_ results: inout [ClaimResult]) {
    var groups: [String: [Int]] = [:]
    for (k, r) in results.enumerated()
    where r.status == .fail && !r.source.isEmpty && r.inputSources == [r.source] {
      groups[r.source + "\u{1F}" + r.document, default: []].append(k)
    }
    for members in groups.values where members.count >= 2 {
      for k in members {
        results[k].status = .inconsistent
        results[k].detail += " — one of \(members.count) checks of this account that fail: the account is inconsistent"
      }
    }
  }

  // MARK: - Checking one claim

  /// Why a share of a whole compares a part and a whole over different periods
  /// (`share(part, whole)`, both figures with periods that differ), nil when it does not. A
  /// ratio or a quotient compares figures, often across time on purpose ("production fell
  /// from … to …"), and is not judged by this rule.
  static func periodMismatch(_ root: ExpressionNode, _ evaluator: ClaimsEvaluator) -> String? {
    guard case .apply("share", let args, _) = root, args.count == 2 else { return nil }
    guard case .variable(let a, _) = args[0], case .variable(let b, _) = args[1],
      let fa = evaluator.figure(named: a), let fb = evaluator.figure(named: b),
      let pa = fa.period, let pb = fb.period, pa.start != pb.start || pa.end != pb.end
    else { return nil }
    return
      "the part and the whole cover different periods — \(fa.id) \(pa.text), \(fb.id) \(pb.text) — so the share does not say what the claim says"
  }

  /// The id of a figure of the formula whose value is the stated figure, read from the same
  /// sentence as the claim (its quote is the claim's), nil when there is none.
  static func tautology(_ root: ExpressionNode, _ claim: Claim, stated: Double, _ evaluator: ClaimsEvaluator)
    -> String?
  {
    let quote = claim.quote.trimmingBlanks()
    guard !quote.isEmpty else { return nil }
    var found: String? = nil
    root.visitVariables { name, _ in
      guard found == nil, let f = evaluator.figure(named: name), let v = f.value,
        f.quote.trimmingBlanks() == quote, abs(v - stated) <= 1e-12 * max(1, abs(stated))
      else { return }
      found = f.id
    }
    return found
  }

  static func check(_ claim: Claim, _ evaluator: ClaimsEvaluator) -> ClaimResult {
    var result = ClaimResult(
      id: claim.id, claim: claim.claim, status: .error, computed: nil, stated: nil, detail: "",
      location: claim.location, op: claim.opText, source: claim.source,
      document: claim.document, quote: claim.quote)
    func fail(_ message: String, _ diagnostics: [Diagnostic]) -> ClaimResult {
      var r = result
      r.status = .error
      r.detail = message
      r.diagnostics = diagnostics
      return r
    }
    if !claim.problems.isEmpty {
      return fail(claim.problems.map(\.message).joined(separator: "; "), claim.problems)
    }
    // A claim speaks of the figures as they stood when it was published: its `published`
    // column (passed through by the reader) sets the vintage of growth().
    evaluator.vintage = claim.extra.first { $0.key.lowercased().trimmingBlanks() == "published" }
      .flatMap { PublicationDate($0.value) }
    // The formula.
    let computed: Evaluated
    let root: ExpressionNode
    do throws(ExpressionError) {
      let e = try Statistics.Expression(claim.formula, functions: .also(ClaimsEvaluator.functions))
      root = e.root
      do throws(ClaimEvaluationError) {
        computed = try evaluator.evaluate(e.root)
      } catch {
        let at = claim.formulaLocation(offset: error.offset ?? firstNonSpace(claim.formula))
        return fail(error.message, [.error(error.message, at: at)])
      }
    } catch {
      let at = claim.formulaLocation(offset: error.column)
      let message = "formula: \(error.message)"
      return fail(message, [.error(message, at: at)])
    }
    result.computed = computed.value
    // The stated figure.
    let stated: Evaluated
    let statedText = claim.stated.trimmingBlanks()
    if case .number(let x) = NumberSyntax.parse(claim.stated) {
      stated = Evaluated(value: x, text: statedText)
    } else {
      do throws(ExpressionError) {
        let e = try Statistics.Expression(claim.stated, functions: .also(ClaimsEvaluator.functions))
        do throws(ClaimEvaluationError) {
          let v = try evaluator.evaluate(e.root)
          // `1/6 = 0.1667` as printed; with figures in it, their values: `5,500 - 5,000 = 500`.
          let shown = e.variables.isEmpty ? statedText : v.text
          stated = Evaluated(
            value: v.value, text: "\(shown) = \(ClaimsFormat.number(v.value, significant: 4))")
        } catch {
          let at = claim.statedLocation(offset: error.offset ?? firstNonSpace(claim.stated))
          let message = "stated: \(error.message)"
          return fail(message, [.error(message, at: at)])
        }
      } catch {
        let message = "stated: \(error.message)"
        return fail(message, [.error(message, at: claim.statedLocation(offset: error.column))])
      }
    }
    result.stated = stated.value
    guard let op = claim.op else {
      let message = "bad op '\(claim.opText)'"
      return fail(message, [.error(message, at: claim.location)])
    }
    let c = computed.value
    let s = stated.value
    let lhs =
      computed.compound || computed.text != ClaimsFormat.number(c)
      ? "\(computed.text) = \(ClaimsFormat.number(c, significant: 4))"
      : computed.text
    var lhsShort = "\(lhs)"
    root.visitVariables { name, _ in
      if let f = evaluator.figure(named: name) { result.inputSources.insert(f.source) }
    }
    // Claims the figures cannot judge as written: parts over different periods, or a stated
    // figure that is an input of its own formula.
    if let mismatch = periodMismatch(root, evaluator) {
      result.status = .periodMismatch
      result.detail = "\(lhsShort) vs \(stated.text): \(mismatch)"
      return result
    }
    if let input = tautology(root, claim, stated: s, evaluator) {
      result.status = .tautology
      result.detail =
        "\(lhsShort) vs \(stated.text): the stated \(stated.text) is figure \(input)'s value, read from the same sentence — an input of its own formula, so the check cannot fail"
      return result
    }

    if let (k, n) = computed.proportion {
      let (lo, hi) = wilson(k: k, n: n)
      let inside = s >= lo && s <= hi
      result.status = inside ? .pass : .fail
      result.detail =
        "\(lhsShort); 95% Wilson interval \(ClaimsFormat.number(lo, significant: 4))–\(ClaimsFormat.number(hi, significant: 4)) \(inside ? "holds" : "does not hold") \(stated.text)"
      return result
    }

    let allowance = claim.allowance(stated: s)
    let holds = op.holds(c, s, allowance: allowance)
    result.status = holds ? .pass : .fail
    // A computed figure with its own interval (a fitted growth factor) is judged over the
    // interval: borne out at both ends passes, contradicted over all of it fails, anything else
    // the figures cannot decide. (An interval lies on one side of an inequality's threshold
    // exactly when both ends do; it misses ≈'s band exactly when it lies beyond one end.)
    if let ci = computed.interval {
      let both = op.holds(ci.low, s, allowance: allowance) && op.holds(ci.high, s, allowance: allowance)
      let none =
        op == .approximately
        ? ci.low > s + allowance || ci.high < s - allowance
        : !op.holds(ci.low, s, allowance: allowance) && !op.holds(ci.high, s, allowance: allowance)
      let interval =
        "\(pct(ci.level)) CI \(ClaimsFormat.number(ci.low, significant: 4))–\(ClaimsFormat.number(ci.high, significant: 4))"
      if !both && !none {
        result.status = .unverifiable
        let band =
          op == .approximately
          ? "\(stated.text) ± \(ClaimsFormat.number(allowance, significant: 4))" : "\(op.rawValue) \(stated.text)"
        result.detail =
          "\(lhsShort) (\(interval)): the interval holds values inside and outside \(band) — the figures cannot decide it"
        return result
      }
      result.status = both ? .pass : .fail
      lhsShort += " (\(interval))"
    }
    let symbol = op.rawValue
    var detail: String
    if op == .approximately {
      let off =
        s != 0
        ? " (\(ClaimsFormat.percent(abs(c - s) / abs(s))) off"
        : " (off by \(ClaimsFormat.number(abs(c - s), significant: 4))"
      let allows =
        claim.toleranceStated
        ? "; the stated tolerance \(ClaimsFormat.percent(claim.tolerance)) allows ±\(ClaimsFormat.number(allowance, significant: 4)))"
        : "; the printed figure allows ±\(ClaimsFormat.number(allowance, significant: 4)))"
      detail =
        holds
        ? "\(lhsShort) ≈ \(stated.text)\(off)\(allows)"
        : "\(lhsShort), not ≈ \(stated.text)\(off)\(allows)"
    } else {
      detail = holds ? "\(lhsShort) \(symbol) \(stated.text)" : "\(lhsShort), not \(symbol) \(stated.text)"
    }
    if let flows = computed.flows, !holds {
      detail +=
        " — inflow \(ClaimsFormat.number(flows.inflow)) and outflow \(ClaimsFormat.number(flows.outflow)) do not balance to \(stated.text)"
    }
    result.detail = detail
    return result
  }

  static func firstNonSpace(_ s: String) -> Int {
    var k = 1
    for u in s.unicodeScalars {
      if u != " " && u != "\t" { return k }
      k += 1
    }
    return 1
  }

  /// The 95% Wilson score interval for k successes in n trials.
  public static func wilson(k: Double, n: Double, level: Double = 0.95) -> (low: Double, high: Double) {
    let z = Normal.quantile(1 - (1 - level) / 2)
    let p = k / n
    let z2 = z * z
    let centre = p + z2 / (2 * n)
    let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
    let d = 1 + z2 / n
    return ((centre - half) / d, (centre + half) / d)
  }

  // MARK: - Output

  /// The `check` JSON: `{ "claims": [ {"id", "claim", "status", "computed", "stated",
  /// "detail", "op", "source", "document", "quote", "line"} … ], "passed", "failed",
  /// "errors" }`, claims in file order.
  public static func json(_ report: ClaimsReport) -> JSON {
    .object([
      (
        "claims",
        .array(
          report.results.map { r in
            .object([
              ("id", .string(r.id)), ("claim", .string(r.claim)), ("status", .string(r.status.rawValue)),
              ("computed", .num(r.computed)), ("stated", .num(r.stated)), ("detail", .string(r.detail)),
              ("op", .string(r.op)), ("source", .string(r.source)), ("document", .string(r.document)),
              ("quote", .string(r.quote)), ("path", .string(normalisedPath(r.location.path))),
              ("line", .int(r.location.line)),
            ])
          })
      ),
      ("passed", .int(report.passed)), ("failed", .int(report.failed)), ("errors", .int(report.errors)),
    ])
  }

  /// `checks.csv`: id, status, claim, computed, stated, op, detail, source, document, quote,
  /// line — claims in file order.
  public static func csv(_ report: ClaimsReport) -> CSVWriter {
    var w = CSVWriter(header: [
      "id", "status", "claim", "computed", "stated", "op", "detail", "source", "document", "quote", "line",
    ])
    for r in report.results {
      w.append([
        r.id, r.status.rawValue, r.claim, CSVWriter.cell(r.computed), CSVWriter.cell(r.stated), r.op,
        r.detail, r.source, r.document, r.quote, String(r.location.line),
      ])
    }
    return w
  }
}

/// `s` with spaces appended up to `width` characters (as it is when it is as long already).
func paddedRight(_ s: String, _ width: Int) -> String {
  let n = s.count
  return n >= width ? s : s + String(repeating: " ", count: width - n)
}
