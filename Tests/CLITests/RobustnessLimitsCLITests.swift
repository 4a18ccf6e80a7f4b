import Foundation
import Testing

/// Inputs built to exhaust the stack or memory: each must end in a located error and the
/// contract's exit code, in a process that is not killed (SIGSEGV would be status 139 or a
/// signal).
@Suite("Deep formulas, deep JSON and floods of errors, end to end", .serialized)
struct RobustnessLimitsCLITests {
  static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
  }

  static let figures = "id,quantity,value\na,q,1\nb,q,2\n"

  @Test(
    "Claims formulas of 8,000 nested parentheses, 10,000 terms or 300 levels: exit 65 at path:line:column, for check and validate"
  )
  func deepClaimsFormulas() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let parens = String(repeating: "(", count: 8_000) + "a" + String(repeating: ")", count: 8_000)
    let terms = Array(repeating: "a", count: 10_000).joined(separator: "+")
    let deep = String(repeating: "(", count: 300) + "a" + String(repeating: ")", count: 300)
    let claims = "id,claim,formula,op,stated\np,parens,\(parens),>,0\nt,terms,\(terms),>,0\nd,deep,\(deep),>,0\n"
    let claimsPath = try Self.write(claims, "claims.csv", in: dir)
    let figuresPath = try Self.write(Self.figures, "figures.csv", in: dir)
    // Columns in the file: the formula cell's first column plus the offset in the formula.
    let parensColumn = "p,parens,".count + 1
    let termsColumn = "t,terms,".count + 1
    let deepColumn = "d,deep,".count + 1
    for command in ["check", "validate"] {
      let r = try CLI.run([command, claimsPath, figuresPath])
      #expect(r.status == 65, "\(command): \(r.status) \(r.stderr.prefix(500))")
      let lines = r.stderr.split(separator: "\n").map(String.init)
      #expect(
        lines.contains(
          "\(claimsPath):2:\(parensColumn + 10_000): error: formula: formula is 16001 characters long; at most 10000 are read"
        ), "\(command): \(r.stderr.prefix(800))")
      #expect(
        lines.contains(
          "\(claimsPath):3:\(termsColumn + 10_000): error: formula: formula is 19999 characters long; at most 10000 are read"
        ), "\(command)")
      #expect(
        lines.contains {
          $0.hasPrefix("\(claimsPath):4:\(deepColumn + 200): error: formula: formula nested more than 200 levels deep")
        }, "\(command)")
    }
  }

  @Test("fit --model nls with a formula 10,000 deep, or 300 deep: exit 64 with the formula's column")
  func deepNLSFormula() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let data = try Self.write("x,y\n1,2\n2,4\n3,6.5\n4,8\n", "xy.csv", in: dir)
    let huge = String(repeating: "(", count: 10_000) + "b1*x" + String(repeating: ")", count: 10_000)
    let r = try CLI.run(["fit", data, "--y", "y", "--model", "nls", "--formula", huge, "--start", "b1=1"])
    #expect(r.status == 64, "\(r.stderr.prefix(500))")
    #expect(
      r.stderr.contains(
        "<formula>:1:10001: error: --formula: formula is 20004 characters long; at most 10000 are read"),
      "\(r.stderr.prefix(500))")
    let deep = String(repeating: "(", count: 300) + "b1*x" + String(repeating: ")", count: 300)
    let d = try CLI.run(["fit", data, "--y", "y", "--model", "nls", "--formula", deep, "--start", "b1=1"])
    #expect(d.status == 64, "\(d.stderr.prefix(500))")
    #expect(
      d.stderr.contains("<formula>:1:201: error: --formula: formula nested more than 200 levels deep"),
      "\(d.stderr.prefix(500))")
    // A deep formula within the limit still fits.
    let fine = String(repeating: "(", count: 150) + "b1*x" + String(repeating: ")", count: 150)
    let ok = try CLI.run([
      "fit", data, "--y", "y", "--model", "nls", "--formula", fine, "--start", "b1=1", "--format", "json",
    ])
    #expect(ok.status == 0, "\(ok.stderr.prefix(500))")
    // The limits are in the help.
    let help = try CLI.run(["fit", "--help"])
    #expect(help.stdout.contains("at most 10000 characters"))
  }

  @Test("compare: JSON 100,000 deep and a repeated member name are exit 65 at path:line:column")
  func compareJSON() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let a = dir.appendingPathComponent("a")
    let b = dir.appendingPathComponent("b")
    try FileManager.default.createDirectory(at: a, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: b, withIntermediateDirectories: true)
    _ = try Self.write("[1]", "deep.json", in: a)
    let deepPath = try Self.write(String(repeating: "[", count: 100_000), "deep.json", in: b)
    let deep = try CLI.run(["compare", a.path, b.path])
    #expect(deep.status == 65, "\(deep.stderr.prefix(300))")
    #expect(deep.stderr.contains("\(deepPath):1:513: error: nesting deeper than 512"), "\(deep.stderr.prefix(300))")

    try FileManager.default.removeItem(atPath: deepPath)
    _ = try Self.write("{\"n\": 1, \"m\": 2}", "deep.json", in: b)
    let dupPath = try Self.write("{\"n\": 1,\n  \"m\": 2,\n  \"n\": 3}", "deep.json", in: a)
    let dup = try CLI.run(["compare", a.path, b.path])
    #expect(dup.status == 65, "\(dup.stderr)")
    #expect(
      dup.stderr.contains(
        "\(dupPath):3:3: error: duplicate member name \"n\" in an object (first at line 1, column 2)"), "\(dup.stderr)")
  }

  @Test(
    "validate on 1,000 bad rows with a 1 MB cell, and another file: 100 errors, the count line with the total, short messages"
  )
  func floodOfErrors() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    var text = "quantity,value\n"
    text += "q,\(String(repeating: "z", count: 1_000_000))\n"
    for _ in 0..<999 { text += "q,abc\n" }
    let path = try Self.write(text, "bad.csv", in: dir)
    let other = try Self.write("quantity,value\nq,x1\nq,x2\n", "other.csv", in: dir)
    let r = try CLI.run(["validate", path, other])
    #expect(r.status == 65)
    let lines = r.stderr.split(separator: "\n").map(String.init)
    #expect(lines.count == 101, "\(lines.count)")
    #expect(lines.first == "\(path):2:3: error: bad number '\(String(repeating: "z", count: 200))…' in column value")
    #expect(lines.last == "reconcile: 902 more errors not shown (1002 in all)")
    #expect(r.stderr.utf8.count < 20_000)
  }
}
