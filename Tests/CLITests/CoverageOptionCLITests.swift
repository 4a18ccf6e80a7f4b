import Foundation
import Testing

/// `--coverage` applies to every row whose `coverage` cell is empty — also when the file has
/// the column (as datasets/nk-in-china.csv does) — on the in-memory and the large-file path,
/// in every format; a row's own coverage still wins.
@Suite("ranges --coverage with a blank coverage column", .serialized)
struct CoverageOptionCLITests {
  static let paths: [(String, [String: String])] = [
    ("in memory", [:]), ("one quantity at a time", ["RECONCILE_RANGES_STREAM_MB": "0"]),
  ]

  @Test("--coverage 0.5 and 0.99 move the pooled ranges", arguments: ["table", "csv", "json"])
  func optionMovesTheResult(_ format: String) throws {
    for (name, environment) in Self.paths {
      func run(_ extra: [String]) throws -> String {
        let r = try CLI.run(
          ["ranges", "datasets/nk-in-china.csv", "--format", format] + extra, environment: environment)
        #expect(r.status == 0, "\(name): \(r.stderr)")
        return r.stdout
      }
      let base = try run([])
      let narrow = try run(["--coverage", "0.5"])
      let wide = try run(["--coverage", "0.99"])
      #expect(narrow != base, "\(name), \(format): --coverage 0.5 changed nothing")
      #expect(wide != base, "\(name), \(format): --coverage 0.99 changed nothing")
      #expect(try run(["--coverage", "0.9"]) == base, "\(name), \(format): 0.9 is the default")
    }
  }

  @Test func aRowsOwnCoverageWinsOverTheOption() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let text = """
      id,quantity,low,high,coverage,source
      a,q,100,400,0.5,A
      b,q,150,300,,B
      c,q,120,500,,C

      """
    let file = dir.appendingPathComponent("f.csv")
    try text.write(to: file, atomically: true, encoding: .utf8)
    for (name, environment) in Self.paths {
      let r = try CLI.run(["ranges", file.path, "--format", "json", "--coverage", "0.8"], environment: environment)
      #expect(r.status == 0, "\(name): \(r.stderr)")
      let json = try #require(try CLI.json(r.stdout) as? [String: Any])
      let q = try #require((json["quantities"] as? [[String: Any]])?.first)
      let sources = try #require(q["sources"] as? [[String: Any]])
      // log_sd = (ln H − ln L) / (2 z): z of the row's 0.5 for a, of the option's 0.8 for b and c.
      func sd(_ k: Int) -> Double { (sources[k]["log_sd"] as? Double) ?? .nan }
      let z50 = 0.6744897501960817
      let z80 = 1.2815515655446004
      #expect(abs(sd(0) - log(4.0) / (2 * z50)) < 1e-12, "\(name): \(sd(0))")
      #expect(abs(sd(1) - log(2.0) / (2 * z80)) < 1e-12, "\(name): \(sd(1))")
      #expect(abs(sd(2) - log(500.0 / 120.0) / (2 * z80)) < 1e-12, "\(name): \(sd(2))")
    }
  }
}

@Suite("ranges --point-factor")
struct PointFactorCLITests {
  @Test("The point factor moves a pool of points, in the table and in JSON; 1 or less is a usage error")
  func pointFactor() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("p.csv").path
    try "id,quantity,value,low,high\na,q,11000000,,\nb,q,12000000,,\nc,q,10800000,,\nd,q,,16200000,29500000\n"
      .write(toFile: path, atomically: true, encoding: .utf8)
    func estimate(_ args: [String]) throws -> Double {
      let r = try CLI.run(["ranges", path, "--format", "json"] + args)
      #expect(r.status == 0, "\(r.stderr)")
      let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
      let q = try #require((doc["quantities"] as? [[String: Any]])?.first)
      return try #require((q["pooled"] as? [String: Any])?["estimate"] as? Double)
    }
    let byDefault = try estimate([])
    #expect(try estimate(["--point-factor", "2"]) == byDefault)
    // Looser points (a factor of 5) give the wide range more weight: the centre moves up.
    #expect(try estimate(["--point-factor", "5"]) > byDefault * 1.2)
    #expect(try estimate(["--point-factor", "1.25"]) < byDefault)
    let bad = try CLI.run(["ranges", path, "--point-factor", "1"])
    #expect(bad.status == 64 && bad.stderr.contains("--point-factor must be greater than 1"))
  }
}
