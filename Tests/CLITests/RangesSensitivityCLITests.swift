import Foundation
import Testing

/// The sensitivity table (issue #30): each cell is the random effects of a run with that
/// coverage and point factor, exactly, in JSON and in the CSV; on both paths of a large file.
@Suite("ranges: the sensitivity table equals runs with those options", .serialized)
struct RangesSensitivityCLITests {
  static func quantities(_ args: [String], environment: [String: String] = [:]) throws -> [[String: Any]] {
    let r = try CLI.run(["ranges"] + args + ["--format", "json"], environment: environment)
    #expect(r.status == 0, "\(args): \(r.stderr)")
    let json = try #require(try CLI.json(r.stdout) as? [String: Any])
    return try #require(json["quantities"] as? [[String: Any]])
  }

  /// A file of plain figures (points and ranges) of two quantities, the shorter path's case.
  static func plainFile() throws -> URL {
    let dir = try CLI.tempDir()
    let text = """
      id,quantity,value,low,high,source
      a,q,,100,400,A
      b,q,250,,,B
      c,q,,150,300,C
      d,q,,120,500,D
      e,q,90,,,E
      f,r,,10,40,F
      g,r,35,,,G

      """
    let file = dir.appendingPathComponent("plain.csv")
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file
  }

  @Test(
    "Each of the 12 cells: estimate, CI and PI of ranges --coverage C --point-factor F",
    arguments: ["datasets/nk-in-china.csv", "datasets/unhcr-bangkok.csv", "plain"])
  func cellsEqualRuns(_ path: String) throws {
    let file = path == "plain" ? try Self.plainFile().path : path
    let base = try Self.quantities([file])
    var checked = 0
    for c in [0.5, 0.8, 0.9, 0.95] {
      for f in [1.5, 2.0, 3.0] {
        let run = try Self.quantities([file, "--coverage", String(c), "--point-factor", String(f)])
        for (q, r) in zip(base, run) {
          let cells = try #require(q["sensitivity"] as? [[String: Any]])
          guard let pooled = r["pooled"] as? [String: Any] else {
            #expect(cells.isEmpty, "\(q["quantity"] ?? "?"): a table without a pooling")
            continue
          }
          #expect(cells.count == 12)
          let cell = try #require(
            cells.first { ($0["coverage"] as? Double) == c && ($0["point_factor"] as? Double) == f })
          let between = pooled["model"] as? String == "random_effects"
          for key in ["estimate", "ci_low", "ci_high"] + (between ? ["pi_low", "pi_high"] : []) {
            let want = try #require(pooled[key] as? Double)
            #expect(cell[key] as? Double == want, "\(path) \(q["quantity"] ?? "?") c=\(c) f=\(f) \(key)")
          }
          if !between { #expect(cell["pi_low"] is NSNull) }
          #expect(cell["level"] as? Double == 0.9)
          checked += 1
        }
      }
    }
    #expect(checked >= 12)
  }

  @Test("--interval z: the table's cells are z-based too, and equal runs with --interval z")
  func zCells() throws {
    let file = try Self.plainFile().path
    let base = try Self.quantities([file, "--interval", "z"])
    let knha = try Self.quantities([file])
    let run = try Self.quantities([file, "--interval", "z", "--coverage", "0.5", "--point-factor", "3"])
    let cells = try #require(base[0]["sensitivity"] as? [[String: Any]])
    let cell = try #require(cells.first { ($0["coverage"] as? Double) == 0.5 && ($0["point_factor"] as? Double) == 3 })
    let pooled = try #require(run[0]["pooled"] as? [String: Any])
    #expect(pooled["ci_method"] as? String == "z" && pooled["pi_method"] as? String == "z")
    for key in ["estimate", "ci_low", "ci_high", "pi_low", "pi_high"] {
      #expect(cell[key] as? Double == pooled[key] as? Double, "\(key)")
    }
    let other = try #require((knha[0]["sensitivity"] as? [[String: Any]])?[0]["pi_low"] as? Double)
    #expect(other != (cells[0]["pi_low"] as? Double))
  }

  @Test("CSV: two rows per cell (kind sensitivity), equal to the JSON's cells, on both paths")
  func csvRows() throws {
    let file = try Self.plainFile().path
    let cells = try #require(try Self.quantities([file])[0]["sensitivity"] as? [[String: Any]])
    var outputs: [String] = []
    for environment in [[:], ["RECONCILE_RANGES_STREAM_MB": "0"]] {
      let r = try CLI.run(["ranges", file, "--format", "csv"], environment: environment)
      #expect(r.status == 0, "\(r.stderr)")
      outputs.append(r.stdout)
    }
    #expect(outputs[0] == outputs[1])
    let rows = outputs[0].split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    let sensitivity = rows.filter { $0.count > 6 && $0[0] == "q" && $0[1] == "sensitivity" }
    #expect(sensitivity.count == 24)
    for cell in cells {
      let c = try #require(cell["coverage"] as? Double)
      let f = try #require(cell["point_factor"] as? Double)
      let id = "coverage=\(c == 0.5 ? "0.5" : String(c));point_factor=\(f == f.rounded() ? String(Int(f)) : String(f))"
      for (suffix, low, high) in [("ci", "ci_low", "ci_high"), ("pi", "pi_low", "pi_high")] {
        let row = try #require(sensitivity.first { $0[2] == id + ";" + suffix }, "\(id);\(suffix)")
        // The label holds commas: the numbers are the last three cells before the empty ones.
        let numbers = row.compactMap { Double($0) }
        let want = [cell[low], cell["estimate"], cell[high]].compactMap { $0 as? Double }
        #expect(numbers.count == 3 && want.count == 3)
        for (g, w) in zip(numbers, want) { #expect(abs(g - w) <= 1e-13 * abs(w), "\(id) \(suffix): \(g) vs \(w)") }
      }
    }
  }
}
