import Foundation
import Testing

@testable import Figures

/// Parses `text` as a claims file named `path`.
private func claims(_ text: String, path: String = "c.csv", keeping: Bool = false) throws(FiguresError)
  -> ClaimsFile
{
  try ClaimsReader.parse(Array(text.utf8), path: path, keepingRowErrors: keeping)
}

/// The diagnostics a claims file produces (empty when it reads).
private func claimMessages(_ text: String) -> [String] {
  do {
    _ = try claims(text)
    return []
  } catch {
    return error.diagnostics.map(\.description)
  }
}

@Suite("Claims files")
struct ClaimsReaderTests {
  @Test("a CSV with a formula column is a claims file, whatever the case")
  func sniffing() {
    #expect(ClaimsReader.isClaimsFile(header: ["id", "claim", " Formula ", "op", "stated"]))
    #expect(!ClaimsReader.isClaimsFile(header: ["id", "quantity", "value"]))
  }

  @Test("reads every column; unknown columns pass through; columns point inside quoted cells")
  func reads() throws {
    let f = try claims(
      """
      ID,Claim,Formula,Op,Stated,Tolerance,source,document,quote,note,page
      a,over a sixth,"share(x, y)",>,1/6,5%,HRW,003.txt,somewhat over a sixth,n,12
      b,about 80000,z,approx,"80,000",,,,,,
      """)
    #expect(f.claims.count == 2)
    let a = try #require(f.claims.first)
    #expect(a.op == .greater)
    #expect(a.tolerance == 0.05)
    #expect(a.extra["page"] == "12")
    #expect(a.formulaColumn == 17)  // after the opening quote at column 16
    #expect(a.formulaLocation(offset: 10).description == "c.csv:2:26")
    let b = try #require(f.claims.last)
    #expect(b.op == .approximately)
    #expect(b.tolerance == Claim.defaultTolerance)
    #expect(b.stated == "80,000")
    #expect(b.statedColumn == 25)
  }

  @Test("missing required columns are named at line 1")
  func missingColumns() {
    #expect(
      claimMessages("id,formula,stated\na,x,1\n") == [
        "c.csv:1: error: missing required columns 'claim', 'op' (columns: id, formula, stated)"
      ])
  }

  @Test("bad op, bad tolerance, duplicate id and empty cells are located errors")
  func rowErrors() throws {
    let text = """
      id,claim,formula,op,stated,tolerance
      a,c,x,=,1,
      a,c,x,<,1,-1
      b,c,,<,,
      """
    #expect(
      claimMessages(text) == [
        "c.csv:2:7: error: bad op '=': use <, <=, >, >= or ≈ (also ~ or approx)",
        "c.csv:3:1: error: duplicate id 'a' (first used on line 2)",
        "c.csv:3:11: error: bad tolerance '-1': give a relative tolerance ≥ 0 such as 0.01 or 1%",
        "c.csv:4:5: error: empty formula",
        "c.csv:4:8: error: empty stated figure",
      ])
    // Kept on the claims instead, so that the others can still be checked.
    let f = try claims(text, keeping: true)
    #expect(f.claims.map(\.problems.count) == [1, 2, 2])
  }

  @Test(
    "half a unit in the last significant digit, as printed",
    arguments: [
      ("80,000", 5000.0), ("120", 5), ("50", 5), ("9.60", 0.005), ("0.2", 0.05), ("7", 0.5),
      ("1.5e3", 50), ("1/6", 0), ("-40", 5), ("0", 0.5), ("x", 0),
    ])
  func halfUnit(text: String, expected: Double) {
    #expect(abs(PrintedPrecision.halfUnit(text) - expected) <= 1e-15 * max(1, expected))
  }

  @Test(
    "operators as written",
    arguments: [
      ("<", ClaimOperator.less), ("<=", .lessOrEqual), ("≤", .lessOrEqual), (">", .greater), (">=", .greaterOrEqual),
      ("≈", .approximately), ("~", .approximately), (" APPROX ", .approximately),
    ])
  func operators(text: String, op: ClaimOperator) {
    #expect(ClaimOperator(text: text) == op)
  }
}
