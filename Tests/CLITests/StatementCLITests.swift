import Foundation
import Testing

/// `reconcile validate` on figures as they are published: the common wordings, a multi-year
/// flow and a hard count range pass; rows that contradict themselves exit 65 with located errors,
/// on small files and on files large enough for the streaming path.
@Suite("validate: what a statement says")
struct StatementCLITests {
  /// Writes `text` to a fresh folder and runs `reconcile validate` on it.
  static func validate(_ text: String, name: String = "figures.csv") throws -> (CLI.Result, String) {
    let dir = try CLI.tempDir()
    let path = dir.appendingPathComponent(name).path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(at: dir) }
    return (try CLI.run(["validate", path]), path)
  }

  @Test(
    "common wordings, a multi-year flow and coverage 1 validate",
    arguments: [
      "x,,,,\"as many as 300,000\",,2002,,", "x,,,,\"more than 370,000\",,2002,,", "x,,,,12.2 million,,2007-01-01,,",
      "x,,,,\"about 30,000\",,2003,,", "x,,,,\"close to 400,000\",,2003,,", "x,12.2 million,,,,,2007,stock,",
      "x,,\"10,000\",\"300,000\",,range,2002,,1", "x,1000,,,,,1999/2001,,",
      "x,\"601,027\",,,,,2003-03-18/2006-06-30,flow,",
    ])
  func accepted(_ row: String) throws {
    let (r, path) = try Self.validate("quantity,value,low,high,text,kind,period,measure,coverage\n\(row)\n")
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.isEmpty)
    #expect(r.stdout == "\(path): ok — 1 figures, quantities: x\n")
  }

  @Test(
    "contradictory rows exit 65 with a located error",
    arguments: [
      ("x,,5,10,,at_least,2002,", "2:10: error: kind at_least has a high (10)"),
      ("x,,5,10,,at_most,2002,", "2:10: error: kind at_most has a low (5)"),
      ("x,,5,,,range,2002,", "2:8: error: kind range needs both low and high"),
      ("x,7,1,9,,point,2002,", "2:10: error: kind point has low and high"),
      ("x,300,,,\"more than 370,000\",,2002,", "2:9: error: text 'more than 370,000' (at least 370000) disagrees"),
      ("x,7,,,,,1999/2001,stock", "2:19: error: a stock over a period that spans years (1999/2001)"),
      ("x,7,,,,atleast,2002,", "2:8: error: unknown kind 'atleast' in column kind: did you mean 'at_least'?"),
    ])
  func contradictory(_ row: String, _ message: String) throws {
    let (r, path) = try Self.validate("quantity,value,low,high,text,kind,period,measure\n\(row)\n")
    #expect(r.status == 65)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.hasPrefix("\(path):\(message)"), "\(r.stderr)")
  }

  @Test("supersedes naming a missing id or the row itself exits 65")
  func supersedes() throws {
    let (r, path) = try Self.validate("id,quantity,value,supersedes\na,x,1,\nb,x,2,zz\nc,x,3,c\n")
    #expect(r.status == 65)
    #expect(
      r.stderr
        == "\(path):3:7: error: supersedes names unknown id 'zz'\n"
        + "\(path):4:7: error: supersedes names the row's own id 'c': a figure cannot revise itself\n")
  }

  /// A file of several streaming rounds, with stated kinds and measures (checked on the fast
  /// path) and worded texts (which send the file to the figures reader): ok, and the one
  /// contradiction near the end found at its line either way.
  @Test("a 9 MB file with statement columns: ok, and one contradiction found at its line")
  func large() throws {
    var lines = ["id,quantity,low,high,text,kind,measure,series,period"]
    for k in 0..<150_000 {
      let words = k % 3 == 0 ? "\"about \(1000 + k)\",about" : k % 3 == 1 ? "\"more than \(1000 + k)\"," : ","
      let cells = k % 3 == 2 ? "\(1000 + k),\(2000 + k)" : ","
      lines.append("f\(k),q\(k % 5),\(cells),\(words),\(k % 2 == 0 ? "flow" : ""),S\(k % 7),\(1990 + k % 30)")
    }
    let clean = lines.joined(separator: "\n") + "\n"
    let (ok, okPath) = try Self.validate(clean)
    #expect(ok.status == 0, "\(ok.stderr.prefix(300))")
    #expect(ok.stdout == "\(okPath): ok — 150000 figures, quantities: q0, q1, q2, q3, q4\n")

    lines[140_001] = "f140000,q0,5,10,,at_least,,,2002"
    let (bad, badPath) = try Self.validate(lines.joined(separator: "\n") + "\n")
    #expect(bad.status == 65)
    #expect(
      bad.stderr.hasPrefix("\(badPath):140002:18: error: kind at_least has a high (10)"), "\(bad.stderr.prefix(300))")
  }
}
