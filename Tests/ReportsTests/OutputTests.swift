import Foundation
import Numerics
import Testing

@testable import Reports
@testable import Statistics

@Suite("Output formats")
struct OutputTests {
  @Test("p-values: plain from 1e-6 up, scientific below (no 151-digit decimals), the same number either way")
  func probabilityCells() {
    #expect(CSVWriter.probabilityCell(0.03) == "0.03")
    #expect(CSVWriter.probabilityCell(0) == "0")
    #expect(CSVWriter.probabilityCell(1) == "1")
    #expect(CSVWriter.probabilityCell(nil) == "")
    #expect(CSVWriter.probabilityCell(.nan) == "")
    for p in [1e-150, 2.5e-7, 9.99e-7, 3.141592653589793e-300, 5e-324] {
      let cell = CSVWriter.probabilityCell(p)
      #expect(cell.count <= 22, "\(cell)")
      #expect(cell.contains("e-"), "\(cell)")
      // 15 significant digits: the number a spreadsheet keeps.
      #expect(abs((Double(cell) ?? .nan) - p) <= 1e-14 * p, "\(cell)")
    }
    #expect(CSVWriter.probabilityCell(1e-150) == "1.00000000000000e-150")
    #expect(CSVWriter.probabilityCell(1e-6) == CSVWriter.cell(1e-6))
  }

  @Test(
    "Plain decimals: no exponent, same value",
    arguments: [
      1.2345e-05, 3e-12, 1e21, 123456789.125, -0.000001, 0.1, 300000, 1.7976931348623157e308,
      Double.leastNonzeroMagnitude, -2.5e-8,
    ])
  func plainDecimalsRoundTrip(_ x: Double) {
    let s = NumberFormat.plain(x)
    #expect(!s.contains("e") && !s.contains("E") && !s.contains(","))
    #expect(Double(s) == x, "\(s)")
  }

  @Test(
    "CSV cells carry 15 significant digits, plain",
    arguments: [
      (1.1779426428003013, "1.1779426428003"), (1e-20, "0.00000000000000000001"),
      (123456789012345678.0, "123456789012346000"),
      (-0.5, "-0.5"), (300000, "300000"), (2.5e-7, "0.00000025"), (0.1 + 0.2, "0.3"),
    ])
  func csvCells(_ x: Double, _ expected: String) {
    #expect(CSVWriter.cell(x) == expected)
  }

  /// The fast formatter (C's %.*e on a stack buffer, expanded on bytes) against the
  /// straightforward one it replaced (Foundation's String(format:) and `expand`), on random
  /// doubles over the whole exponent range, both signs, every digit count, and values that
  /// round up to a power of ten.
  @Test("Significant-digit cells: the fast path writes what String(format:) + expand wrote")
  func significantDigitsMatchFoundation() {
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    func next() -> UInt64 {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      return state
    }
    var values: [Double] = [
      9.99999999999999e5, 9.999999999999999e-7, 0.5, -1, 1e15, 123.456, Double.leastNonzeroMagnitude,
    ]
    for _ in 0..<20_000 {
      let x = Double(bitPattern: next())
      if x.isFinite && x != 0 { values.append(x) }
      values.append(Double(next() % 2_000_001) / 1000 - 1000)
      // Integers of every length up to 18 digits, either sign (the integer fast path).
      let digits = Int(next() % 18) + 1
      var limit: UInt64 = 1
      for _ in 0..<digits { limit *= 10 }
      let integer = Double(next() % limit + 1)
      values.append(next() % 2 == 0 ? integer : -integer)
    }
    var checked = 0
    for x in values {
      for digits in [1, 6, 15, 17] {
        let reference = NumberFormat.expand(String(format: "%.\(digits - 1)e", x))
        let fast = NumberFormat.plain(x, significant: digits)
        #expect(fast == reference, "\(x) at \(digits) digits: \(fast) vs \(reference)")
        if fast != reference { return }
        checked += 1
      }
    }
    #expect(checked > 80_000)
  }

  /// The byte formatters of the large CSV outputs against C's %.14e through Foundation (the
  /// cells) and against `human` (the labels): values of every magnitude and sign, random bit
  /// patterns, short decimals (which sit near rounding ties), exact ties of the 15th digit
  /// (half-integers around 10¹⁴, which C rounds to even), the powers of ten at the edges of the
  /// exact range and the integers of the labels.
  @Test("CSV cells and labels written as bytes equal the String formatters")
  func byteFormattersMatch() {
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    var values: [Double] = [
      1e-8, 1e-8.nextDown, 1e-8.nextUp, 1e14, 1e14.nextDown, 1e14.nextUp, 1e15.nextDown, 0.1, 0.3, 2.675,
      100_000_000_000_000.5, 100_000_000_000_001.5, 999_999_999_999_999.5, 123_456_789_012_345.5,
      99_999_999_999_999.95, 9.999999999999995, 0.000123456789012345, Double.leastNonzeroMagnitude,
      1.7976931348623157e308,
    ]
    var power = 1.0
    for _ in 0..<30 {
      values += [power, power.nextUp, power.nextDown, 1 / power, (1 / power).nextUp, (1 / power).nextDown]
      power *= 10
    }
    for _ in 0..<60_000 {
      let bits = Double(bitPattern: next())
      if bits.isFinite { values.append(bits) }
      // Magnitudes 1e-10 … 1e16, uniformly in the exponent.
      let scale = Double(Int(next() % 27) - 10)
      values.append(Double(next() >> 11) / Double(1 << 53) * pow(10, scale))
      // A few decimals: 12.345, 0.0625, …
      let decimals = Int(next() % 9)
      values.append(Double(Int64(next() % 2_000_000_001) - 1_000_000_000) / pow(10, Double(decimals)))
      // Half-integers of 15 digits: exact ties of the last digit.
      values.append(Double(next() % 900_000_000_000_000 + 100_000_000_000_000) + 0.5)
    }
    var checked = 0
    for x in values + values.map({ -$0 }) {
      var bytes: [UInt8] = []
      NumberFormat.appendPlain15(x, to: &bytes)
      let reference = x.isFinite ? NumberFormat.expand(String(format: "%.14e", x)) : ""
      let cell = String(decoding: bytes, as: UTF8.self)
      #expect(cell == reference, "\(x): \(cell) vs \(reference)")
      #expect(cell == CSVWriter.cell(x))
      if cell != reference { return }
      checked += 1
    }
    #expect(checked > 400_000)
    var empty: [UInt8] = []
    NumberFormat.appendPlain15(nil, to: &empty)
    NumberFormat.appendPlain15(.nan, to: &empty)
    NumberFormat.appendPlain15(-.infinity, to: &empty)
    #expect(empty.isEmpty)
    // Labels: integers (the fast path), fractions, tiny, huge, nil and NaN.
    var labels: [Double?] = [nil, .nan, 0, -0.0, 999, 1000, -1000, 999_999_999_999_999, 1e15, 1234.5678, 0.57808, 1e-5]
    for _ in 0..<20_000 {
      labels.append(Double(Int64(next() % 2_000_000_000_001) - 1_000_000_000_000))
      labels.append(Double(next() >> 11) / Double(1 << 53) * pow(10, Double(Int(next() % 20) - 5)))
    }
    for x in labels {
      for digits in [4, 6] {
        var bytes: [UInt8] = []
        NumberFormat.appendHuman(x, significant: digits, to: &bytes)
        #expect(
          String(decoding: bytes, as: UTF8.self) == NumberFormat.human(x, significant: digits),
          "\(String(describing: x))")
      }
    }
  }

  @Test(
    "Integer digits, plain and grouped in threes, two at a time: every power of ten and its neighbours, random values, the largest"
  )
  func integerDigits() {
    var values: [UInt64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, UInt64.max, UInt64.max - 1]
    var p: UInt64 = 1
    for _ in 0..<19 {
      p *= 10
      values += [p - 1, p, p + 1]
    }
    var g = SplitMix64(state: 8)
    for _ in 0..<50_000 { values.append(g.next() >> (g.next() % 64)) }
    for m in values {
      let plain = String(m)
      var grouped = ""
      for (i, c) in plain.enumerated() {
        if i > 0 && (plain.count - i) % 3 == 0 { grouped.append(",") }
        grouped.append(c)
      }
      #expect(NumberFormat.decimalDigits(m) == plain.count, "\(m)")
      var a: [UInt8] = []
      NumberFormat.appendDigits(m, to: &a)
      #expect(String(decoding: a, as: UTF8.self) == plain)
      var b = RawBytes(capacity: 4)
      NumberFormat.appendDigits(m, grouped: true, to: &b)
      #expect(String(decoding: b.buffer, as: UTF8.self) == grouped, "\(m)")
    }
  }

  @Test("CSV fields are quoted when they hold a separator, quote, CR, LF or edge space")
  func csvEscaping() {
    #expect(CSVWriter.escape("plain") == "plain")
    #expect(CSVWriter.escape("a,b") == "\"a,b\"")
    #expect(CSVWriter.escape("say \"hi\"") == "\"say \"\"hi\"\"\"")
    #expect(CSVWriter.escape("two\r\nlines") == "\"two\r\nlines\"")
    #expect(CSVWriter.escape(" padded") == "\" padded\"")
    #expect(
      CSVWriter.escape("Ministry of Unification, Republic of Korea") == "\"Ministry of Unification, Republic of Korea\""
    )
  }

  @Test(
    "Thousands grouping",
    arguments: [
      ("1234567.891", "1,234,567.891"), ("-1000", "-1,000"), ("999", "999"), ("0.5", "0.5"),
      ("-123456", "-123,456"), ("100000", "100,000"), ("1", "1"), ("", ""),
    ])
  func thousands(_ plain: String, _ grouped: String) {
    #expect(NumberFormat.groupThousands(plain) == grouped)
  }

  @Test func nonFiniteIsEmptyInCSVAndNullInJSON() {
    #expect(NumberFormat.plain(.nan) == "")
    #expect(JSON.num(.infinity).serialized() == "null")
    #expect(JSON.num(nil).serialized() == "null")
  }

  @Test func jsonNumbersRoundTrip() throws {
    let values = [0.1, 1.0 / 3.0, -1007.5275048034435, 1e-300, 6.02214076e23]
    let text = JSON.array(values.map { .number($0) }).serialized(pretty: false)
    // Parse the tokens with Swift's correctly rounded Double(String) (Foundation's JSON parser
    // on Linux is not correctly rounded in the last digit).
    let tokens = text.dropFirst().dropLast().split(separator: ",").map { Double(String($0)) }
    #expect(tokens == values.map { Optional($0) })
  }

  @Test func jsonEscapes() {
    #expect(JSON.string("a\"b\\c\nd\u{1}").serialized() == "\"a\\\"b\\\\c\\nd\\u0001\"")
  }

  @Test func csvQuotesOnlyWhenNeeded() {
    var w = CSVWriter(header: ["a", "b"])
    w.append(["plain", "has, comma"])
    w.append(["say \"hi\"", "line\nbreak"])
    #expect(w.text == "a,b\nplain,\"has, comma\"\n\"say \"\"hi\"\"\",\"line\nbreak\"\n")
  }

  @Test func humanNumbers() {
    #expect(NumberFormat.human(300000) == "300,000")
    #expect(NumberFormat.human(1234.5678, significant: 4) == "1,235")
    #expect(NumberFormat.human(0.57808, significant: 3) == "0.578")
    #expect(NumberFormat.human(nil) == "—")
  }

  @Test("A --by fit document written directly has the bytes of the general JSON serialiser")
  func fitDocumentWriterMatchesTree() throws {
    // Real fits of every kind the document distinguishes (OLS with residual SD and R², Poisson,
    // negative binomial with θ and a stop reason, an all-zero Poisson fit with warnings), and
    // edited copies with nil, non-finite and escaped values.
    let years: [Double] = [2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007]
    let counts: [Double] = [3, 9, 4, 15, 8, 22, 13, 30]
    let design = try Matrix(columns: [Array(repeating: 1, count: years.count), years])
    let names = ["(Intercept)", "year"]
    var fits: [ModelFit] = [
      try LinearModel.fit(design: design, response: counts, names: names, hasIntercept: true),
      try PoissonRegression.fit(design: design, counts: counts, names: names),
      try NegativeBinomial.fit(design: design, counts: counts, names: names),
      try PoissonRegression.fit(design: design, counts: Array(repeating: 0, count: years.count), names: names),
    ]
    var edited = fits[2]
    edited.theta = nil
    edited.logLikelihood = .nan
    edited.aic = .infinity
    edited.stopReason = "quote \" backslash \\ newline \n tab \t control \u{1} — done"
    edited.warnings = ["first", "second \"quoted\"", "ünïcödé −∞"]
    edited.parameters[0].name = "x \"odd\" name"
    edited.parameters[1].standardError = -.infinity
    fits.append(edited)
    var empty = fits[1]
    empty.parameters = []
    empty.warnings = []
    fits.append(empty)
    // More than 256 groups, so the document is written on all cores.
    let batch: [(group: String?, fit: ModelFit)] = (0..<300).map { k in
      let group = k % 7 == 3 ? "g\"\(k)\"\n" : k % 11 == 5 ? "région \(k)" : "g\(k)"
      return (group, fits[k % fits.count])
    }
    let direct = FitAnalysis.jsonDocument(batch, grouped: true).flatMap { $0 }
    let tree = JSON.array(batch.map { FitAnalysis.json($0.fit, group: $0.group) }).serialized() + "\n"
    #expect(String(decoding: direct, as: UTF8.self) == tree)
    // And each fit on its own (the document without --by).
    for f in fits {
      #expect(
        String(decoding: FitAnalysis.jsonDocument([(nil, f)], grouped: false).flatMap { $0 }, as: UTF8.self)
          == FitAnalysis.json(f).serialized() + "\n")
    }
  }

  @Test("NumberFormat.scientific and the comparison's signed numbers are what String(format:) wrote")
  func scientificAsStringFormat() {
    var values: [Double] = [
      0, -0.0, 1, -1, 0.5, 1e-300, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 123456.789, -9.995e-5,
      .infinity, -.infinity, .nan,
    ]
    var x = 0.123456789
    for _ in 0..<500 {
      x = (x * 9301 + 0.49297).truncatingRemainder(dividingBy: 1)
      values.append((x - 0.5) * pow(10, (x * 40).rounded() - 20))
    }
    for v in values {
      for p in [0, 2, 5, 14, 16] {
        #expect(NumberFormat.scientific(v, precision: p) == String(format: "%.\(p)e", v), "\(v) at \(p)")
      }
      #expect(Difference.signed(v) == String(format: "%+.2e", v), "\(v)")
    }
  }
}
