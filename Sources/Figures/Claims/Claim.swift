/// How a claim compares the figure it computes with the figure the report prints.
public enum ClaimOperator: String, Sendable, Hashable, CaseIterable {
  /// computed < stated.
  case less = "<"
  /// computed ≤ stated.
  case lessOrEqual = "<="
  /// computed > stated.
  case greater = ">"
  /// computed ≥ stated.
  case greaterOrEqual = ">="
  /// computed ≈ stated, within the claim's tolerance or the printed precision (see
  /// ``Claim/allowance(stated:)``).
  case approximately = "≈"

  /// Reads an `op` cell: `<`, `<=`, `>`, `>=`, `≈`; also `≤`, `≥`, `~` and `approx` (any
  /// case), surrounding whitespace ignored. `nil` for anything else.
  public init?(text: String) {
    switch text.trimmingWhitespace().lowercased() {
    case "<": self = .less
    case "<=", "≤": self = .lessOrEqual
    case ">": self = .greater
    case ">=", "≥": self = .greaterOrEqual
    case "≈", "~", "approx": self = .approximately
    default: return nil
    }
  }

  /// Whether `computed op stated` holds (for `≈`, `allowance` is the largest allowed
  /// difference; it is ignored by the other operators).
  public func holds(_ computed: Double, _ stated: Double, allowance: Double) -> Bool {
    switch self {
    case .less: return computed < stated
    case .lessOrEqual: return computed <= stated
    case .greater: return computed > stated
    case .greaterOrEqual: return computed >= stated
    case .approximately: return abs(computed - stated) <= allowance
    }
  }
}

/// One claim of a claims file: a number a report prints beside a formula that should
/// reproduce it from the figures.
public struct Claim: Sendable, Hashable {
  /// The `id` column (unique in the file); `"<file stem>:<line>"` when empty.
  public var id: String
  /// The claim in words, as printed or paraphrased.
  public var claim: String
  /// The formula cell as written (not trimmed, so that columns inside it line up).
  public var formula: String
  /// The file column of the formula's first character (after an opening quote).
  public var formulaColumn: Int
  /// The `op` cell as written (trimmed).
  public var opText: String
  /// The operator; `nil` when `opText` is not one (the claim then has a problem).
  public var op: ClaimOperator?
  /// The `stated` cell as written (not trimmed).
  public var stated: String
  /// The file column of the stated figure's first character (after an opening quote).
  public var statedColumn: Int
  /// The relative tolerance of `≈` (default ``Claim/defaultTolerance``).
  public var tolerance: Double
  /// Whether the row states its tolerance: a stated tolerance is the whole rule; the printed
  /// precision only widens the default (issue #30).
  public var toleranceStated: Bool
  /// Who makes the claim.
  public var source: String
  /// The document it is printed in.
  public var document: String
  /// The sentence it is printed in, verbatim.
  public var quote: String
  /// The curator's remarks.
  public var note: String
  /// Columns the reader does not know, keyed by header name as written.
  public var extra: [String: String]
  /// The row's first line (no column).
  public var location: SourceLocation
  /// Errors in this row found by the reader (duplicate id, bad op, bad tolerance, empty
  /// formula or stated). ``ClaimsReader/read(path:keepingRowErrors:)`` throws them unless
  /// asked to keep them here.
  public var problems: [Diagnostic]

  /// The default relative tolerance of `≈`: 1%.
  public static let defaultTolerance = 0.01

  /// Creates a claim.
  public init(
    id: String, claim: String, formula: String, formulaColumn: Int = 1, opText: String,
    stated: String, statedColumn: Int = 1, tolerance: Double = Claim.defaultTolerance,
    toleranceStated: Bool = false, source: String = "", document: String = "", quote: String = "", note: String = "",
    extra: [String: String] = [:], location: SourceLocation, problems: [Diagnostic] = []
  ) {
    self.id = id
    self.claim = claim
    self.formula = formula
    self.formulaColumn = formulaColumn
    self.opText = opText.trimmingWhitespace()
    self.op = ClaimOperator(text: opText)
    self.stated = stated
    self.statedColumn = statedColumn
    self.tolerance = tolerance
    self.toleranceStated = toleranceStated
    self.source = source
    self.document = document
    self.quote = quote
    self.note = note
    self.extra = extra
    self.location = location
    self.problems = problems
  }

  /// Where the character at 1-based `offset` inside the formula cell is in the file.
  public func formulaLocation(offset: Int) -> SourceLocation {
    SourceLocation(path: location.path, line: location.line, column: formulaColumn + max(offset, 1) - 1)
  }

  /// Where the character at 1-based `offset` inside the stated cell is in the file.
  public func statedLocation(offset: Int) -> SourceLocation {
    SourceLocation(path: location.path, line: location.line, column: statedColumn + max(offset, 1) - 1)
  }
}

/// A claims file: its claims in file order.
public struct ClaimsFile: Sendable, Hashable {
  /// The path the file was read from.
  public var path: String
  /// The header's column names, as written.
  public var columns: [String]
  /// The claims, one per data row.
  public var claims: [Claim]

  /// Creates a file.
  public init(path: String, columns: [String], claims: [Claim]) {
    self.path = path
    self.columns = columns
    self.claims = claims
  }
}

/// The precision a figure is printed with.
public enum PrintedPrecision {
  /// Half a unit in the last significant digit of `text` when it is a plain numeral, else 0.
  ///
  /// A plain numeral is `[+|-]digits[.digits][e[+|-]digits]`, with thousands separators
  /// allowed (``NumberSyntax``). Trailing zeros of an integer are not significant:
  /// `"80,000"` → 5,000; `"120"` → 5; `"50"` → 5; `"7"` → 0.5; `"0"` → 0.5. Decimals are:
  /// `"9.60"` → 0.005; `"0.2"` → 0.05. An exponent shifts the unit: `"1.5e3"` → 50.
  /// Anything else (`"1/6"`, `"low(x)"`) → 0: an expression has no printed precision.
  public static func halfUnit(_ text: String) -> Double {
    guard case .number = NumberSyntax.parse(text) else { return 0 }
    var body = text.trimmingWhitespace().filter { $0 != "," }
    if body.hasPrefix("+") || body.hasPrefix("-") { body.removeFirst() }
    var exponent = 0
    if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      exponent = Int(body[body.index(after: e)...]) ?? 0
      body = String(body[..<e])
    }
    var place: Int
    if let dot = body.firstIndex(of: ".") {
      let decimals = body.distance(from: dot, to: body.endIndex) - 1
      place = -decimals
      if decimals == 0 {
        // "5." — the integer rule.
        place = trailingZeros(String(body[..<dot]))
      }
    } else {
      place = trailingZeros(body)
    }
    place += exponent
    return 0.5 * pow10(place)
  }

  static func trailingZeros(_ digits: String) -> Int {
    let all = Array(digits)
    guard all.contains(where: { $0 != "0" }) else { return 0 }
    var count = 0
    for c in all.reversed() {
      if c == "0" { count += 1 } else { break }
    }
    return count
  }

  static func pow10(_ n: Int) -> Double {
    var r = 1.0
    if n >= 0 {
      for _ in 0..<min(n, 400) { r *= 10 }
    } else {
      for _ in 0..<min(-n, 400) { r /= 10 }
    }
    return r
  }
}

extension Claim {
  /// The largest difference `≈` allows between the computed and the stated figure: a stated
  /// tolerance's `tolerance·|stated|`, else `max(tolerance·|stated|, half a unit in the last
  /// significant digit of the stated figure as printed)` (``PrintedPrecision/halfUnit(_:)``).
  /// Until issue #30 the printed precision widened a stated tolerance too: "2" with
  /// `tolerance=5%` allowed ±0.5, so 1.72 passed "twice".
  public func allowance(stated value: Double) -> Double {
    toleranceStated ? tolerance * abs(value) : max(tolerance * abs(value), PrintedPrecision.halfUnit(stated))
  }
}
