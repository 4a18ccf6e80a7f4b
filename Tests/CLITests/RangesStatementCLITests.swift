import Foundation
import Testing

/// `reconcile ranges` on statements as published: kinds and centres in JSON, superseded and
/// scoped figures left out with reasons, one figure reported without a random-effects
/// interval — through the built executable, on both the in-memory and the large-file path.
///
/// The tests that use the `kind`, `scope` and `supersedes` columns need the figures reader to
/// parse them (branch `format`).
@Suite("ranges: statements as published, end to end", .serialized)
struct RangesStatementCLITests {
  static let paths: [(String, [String: String])] = [
    ("in memory", [:]), ("one quantity at a time", ["RECONCILE_RANGES_STREAM_MB": "0"]),
  ]

  static func ranges(_ text: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> (
    status: Int32, stdout: String, stderr: String
  ) {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("f.csv")
    try text.write(to: file, atomically: true, encoding: .utf8)
    let r = try CLI.run(["ranges", file.path] + extra, environment: environment)
    return (r.status, r.stdout, r.stderr)
  }

  static func sources(_ stdout: String) throws -> [[String: Any]] {
    let json = try #require(try CLI.json(stdout) as? [String: Any])
    let q = try #require((json["quantities"] as? [[String: Any]])?.first)
    return try #require(q["sources"] as? [[String: Any]])
  }

  @Test("A stated centre is kept: 98,000 (95% CI 8,000–194,000) has center and mid 98,000")
  func statedCentre() throws {
    let text = """
      id,quantity,value,low,high,coverage,source
      lancet,deaths,"98,000","8,000","194,000",0.95,Lancet
      ibc,deaths,,"17,000","19,000",,IBC
      ors,deaths,,"600,000","1,200,000",,ORS

      """
    for (name, environment) in Self.paths {
      let json = try Self.ranges(text, ["--format", "json"], environment: environment)
      #expect(json.status == 0, "\(name): \(json.stderr)")
      let sources = try Self.sources(json.stdout)
      #expect(sources.first?["center"] as? Double == 98_000, "\(name)")
      #expect(sources.first?["reading"] as? String == "range", "\(name)")
      let csv = try Self.ranges(text, ["--format", "csv"], environment: environment)
      #expect(
        csv.stdout.contains("deaths,source,lancet,\"Lancet : 8,000–194,000\",8000,98000,194000,98000,yes,"), "\(name)")
    }
  }

  @Test("A bound is a censored observation, not a point; the opinion pools leave it out with the reason")
  func boundCensored() throws {
    let text = """
      id,quantity,value,low,high,source
      a,q,"20,000",,,A
      b,q,,"10,000","40,000",B
      c,q,"15,000",,,C
      floor,q,,"370,000",,D

      """
    for (name, environment) in Self.paths {
      let r = try Self.ranges(text, ["--format", "json"], environment: environment)
      #expect(r.status == 0, "\(name): \(r.stderr)")
      let sources = try Self.sources(r.stdout)
      #expect(sources.last?["reading"] as? String == "at_least", "\(name)")
      #expect(sources.last?["center"] is NSNull, "\(name)")
      let json = try #require(try CLI.json(r.stdout) as? [String: Any])
      let q = try #require((json["quantities"] as? [[String: Any]])?.first)
      let pooled = try #require(q["pooled"] as? [String: Any])
      #expect(pooled["censored"] as? Int == 1, "\(name)")
      let envelope = try #require(q["envelope"] as? [String: Any])
      #expect(envelope["open_above"] as? Bool == true && envelope["open_below"] as? Bool == false, "\(name)")
      let notes = try #require(q["notes"] as? [String])
      #expect(notes.contains { $0.hasPrefix("opinion pools: floor is a bound") }, "\(name)")
      let table = try Self.ranges(text, [], environment: environment)
      #expect(
        table.stdout.contains(
          "random effects (log scale, maximum likelihood, 1 censored bound; CI from the observed information)"),
        "\(name)")
      let row = table.stdout.split(separator: "\n").first { $0.hasPrefix("  floor ") }.map {
        $0.split(separator: " ").joined(separator: " ")
      }
      #expect(row == "floor D 370,000 — at least yes", "\(name)")
    }
  }

  @Test("One figure gives no random-effects interval: it is reported as stated")
  func oneFigure() throws {
    let text = """
      id,quantity,value,unit,source
      rate,exchange_rate,8.3,yuan per dollar,Bank

      """
    for (name, environment) in Self.paths {
      let table = try Self.ranges(text, [], environment: environment)
      #expect(table.status == 0, "\(name): \(table.stderr)")
      #expect(!table.stdout.contains("random effects"), "\(name)")
      #expect(!table.stdout.contains("CI"), "\(name)")
      #expect(table.stdout.contains("one figure, reported as stated (not reconciled): 8.3"), "\(name)")
      let csv = try Self.ranges(text, ["--format", "csv"], environment: environment)
      #expect(!csv.stdout.contains("random_effects"), "\(name)")
      let json = try #require(
        try CLI.json(try Self.ranges(text, ["--format", "json"], environment: environment).stdout) as? [String: Any])
      let q = try #require((json["quantities"] as? [[String: Any]])?.first)
      #expect(q["pooled"] is NSNull, "\(name)")
      #expect((q["reported"] as? [String: Any])?["center"] as? Double == 8.3, "\(name)")
    }
  }

  // Needs the reader to parse `kind` (branch `format`).
  @Test("Kinds in JSON: at_least, at_most and about from the kind column")
  func kindsInJSON() throws {
    let text = """
      id,quantity,value,low,high,kind,source
      up,q,"300,000",,,at_most,A
      more,q,"370,000",,,at_least,B
      some,q,"30,000",,,about,C
      r,q,,"20,000","90,000",,D

      """
    let r = try Self.ranges(text, ["--format", "json"])
    #expect(r.status == 0, "\(r.stderr)")
    let sources = try Self.sources(r.stdout)
    #expect(sources.map { $0["reading"] as? String } == ["at_most", "at_least", "about", "range"])
    #expect(sources[0]["low"] is NSNull && sources[0]["high"] as? Double == 300_000)
    #expect(sources[2]["center"] as? Double == 30_000)
  }

  // Needs the reader to parse `supersedes` and `scope` (branch `format`).
  @Test("Superseded and narrower-scope figures are excluded with reasons")
  func supersededAndScoped() throws {
    let text = """
      id,quantity,value,low,high,scope,supersedes,source
      old,q,"30,000",,,,,A
      new,q,"40,000",,,,old,A
      yan,q,"5,000",,,Yanbian only,,B
      r,q,,"20,000","90,000",,,C

      """
    let r = try Self.ranges(text, [])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("not pooled: old — superseded by new"))
    #expect(r.stdout.contains("not pooled: yan — narrower scope (Yanbian only): not pooled as the whole"))
    let sources = try Self.sources(try Self.ranges(text, ["--format", "json"]).stdout)
    #expect(sources.map { $0["excluded_reason"] as? String }.compactMap { $0 }.count == 2)
  }

  @Test("A shared-evidence group counts once: three copies of one figure pool exactly as one")
  func evidenceGroupOnce() throws {
    let header = "id,quantity,value,low,high,evidence,source,published\n"
    let rest = """
      ai,q,,"50,000","300,000",,Amnesty,2000
      hrwf,q,,"100,000","300,000",,HRWF,2006
      good,q,,"20,000","99,999",,Good Friends,2001

      """
    // The same NGO extrapolation of 300,000, repeated by three publications.
    let once = header + "ngo1,q,\"300,000\",,,ngo-survey,NGO,2002\n" + rest
    let thrice =
      header + "ngo1,q,\"300,000\",,,ngo-survey,NGO,2002\nngo2,q,\"300,000\",,,ngo-survey,Paper A,2003\n"
      + "ngo3,q,\"300,000\",,,ngo-survey,Paper B,2004\n" + rest
    for (name, environment) in Self.paths {
      let a = try Self.ranges(once, ["--format", "json"], environment: environment)
      let b = try Self.ranges(thrice, ["--format", "json"], environment: environment)
      #expect(a.status == 0 && b.status == 0, "\(name): \(a.stderr) \(b.stderr)")
      let qa = try #require((try CLI.json(a.stdout) as? [String: Any])?["quantities"] as? [[String: Any]]).first
      let qb = try #require((try CLI.json(b.stdout) as? [String: Any])?["quantities"] as? [[String: Any]]).first
      // Every pooled view is the same, to the last digit.
      for key in ["pooled", "linear_pool", "log_pool"] {
        let x = try JSONSerialization.data(
          withJSONObject: qa?[key] ?? NSNull(), options: [.sortedKeys, .fragmentsAllowed])
        let y = try JSONSerialization.data(
          withJSONObject: qb?[key] ?? NSNull(), options: [.sortedKeys, .fragmentsAllowed])
        #expect(x == y, "\(name): \(key)")
      }
      #expect((qa?["pooled"] as? [String: Any])?["k"] as? Int == 4, "\(name)")
      // The copies are listed, with the figure that stands for the group.
      let sources = try Self.sources(b.stdout)
      let reasons = sources.compactMap { $0["excluded_reason"] as? String }
      #expect(reasons.count == 2, "\(name): \(reasons)")
      #expect(reasons.allSatisfy { $0.contains("ngo-survey") && $0.contains("ngo1") }, "\(name): \(reasons)")
    }
  }
}
