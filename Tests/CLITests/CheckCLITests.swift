import Foundation
import TestSupport
import Testing

@Suite("reconcile check end to end", .serialized)
struct CheckCLITests {
  static let claims = "Tests/Fixtures/claims/claims.csv"
  static let errors = "Tests/Fixtures/claims/errors.csv"

  @Test("table: failed claims first, then passes; exit 0 without --strict")
  func table() throws {
    let r = try CLI.run(["check", Self.claims])
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 11)
    #expect(lines[0].hasPrefix("FAIL   fine-in-dollars"))
    #expect(lines[0].contains("500 / 8.3 = 60.24, not ≈ 50 (20% off; the printed figure allows ±5)"))
    #expect(lines[1].hasPrefix("FAIL   camp-balance"))
    #expect(lines[2].hasPrefix("PASS   over-a-sixth"))
    #expect(lines[2].contains("121 / 629 = 0.1924 > 1/6 = 0.1667"))
    #expect(lines.last == "8 passed, 2 failed, 0 errors")
    #expect(r.stderr.isEmpty)
  }

  @Test("--strict exits 1 when a claim fails")
  func strict() throws {
    let r = try CLI.run(["check", Self.claims, "--strict"])
    #expect(r.status == 1)
    #expect(r.stdout.contains("FAIL   fine-in-dollars"))
  }

  @Test("json: the contract's keys, claims in file order, numbers as numbers")
  func json() throws {
    let r = try CLI.run(["check", Self.claims, "Tests/Fixtures/claims/figures.csv", "--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let object = try #require(try CLI.json(r.stdout) as? [String: Any])
    #expect(object["passed"] as? Int == 8)
    #expect(object["failed"] as? Int == 2)
    #expect(object["errors"] as? Int == 0)
    let claims = try #require(object["claims"] as? [[String: Any]])
    #expect(claims.count == 10)
    let first = try #require(claims.first)
    for key in ["id", "claim", "status", "computed", "stated", "detail", "op", "source", "document", "quote", "line"] {
      #expect(first[key] != nil, "\(key)")
    }
    #expect(first["id"] as? String == "over-a-sixth")
    #expect(first["status"] as? String == "pass")
    #expect(
      relativeDifference(try #require(first["computed"] as? Double), 121.0 / 629, floor: .leastNormalMagnitude) < 1e-15)
    #expect(relativeDifference(try #require(first["stated"] as? Double), 1.0 / 6, floor: .leastNormalMagnitude) < 1e-15)
    #expect(first["line"] as? Int == 2)
    let fine = try #require(claims.first { $0["id"] as? String == "fine-in-dollars" })
    #expect(fine["status"] as? String == "fail")
  }

  @Test("csv: the checks.csv columns")
  func csv() throws {
    let r = try CLI.run(["check", Self.claims, "--format", "csv"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.hasPrefix("id,status,claim,computed,stated,op,detail,source,document,quote,line\n"))
    #expect(r.stdout.split(separator: "\n").count == 11)
  }

  @Test("claims in error: exit 65 with path:line:column diagnostics, every other claim still printed")
  func errors() throws {
    for args in [[Self.errors], [Self.errors, "--strict"]] {
      let r = try CLI.run(["check"] + args)
      #expect(r.status == 65)
      #expect(r.stdout.contains("PASS   good"))
      #expect(r.stdout.contains("FAIL   fails"))
      #expect(r.stdout.contains("1 passed, 1 failed, 6 errors"))
      let diagnostics = r.stderr.split(separator: "\n").map(String.init)
      #expect(
        diagnostics.first
          == "\(Self.errors):3:39: error: unknown figure 'mou_2003' or 'mou-2003': no figure has that id")
      #expect(diagnostics.contains("\(Self.errors):4:35: error: formula: unexpected ','"))
      #expect(diagnostics.count == 6)
    }
    let json = try CLI.run(["check", Self.errors, "--format", "json"])
    #expect(json.status == 65)
    let object = try #require(try CLI.json(json.stdout) as? [String: Any])
    #expect(object["errors"] as? Int == 6)
  }

  @Test("a missing claims file exits 66")
  func missing() throws {
    let r = try CLI.run(["check", "Tests/Fixtures/claims/no-such.csv"])
    #expect(r.status == 66)
    #expect(r.stderr.contains("no-such.csv: error: no such file"))
  }
}
