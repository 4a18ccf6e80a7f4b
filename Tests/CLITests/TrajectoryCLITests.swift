import Figures
import Foundation
import Reports
import Statistics
import TestSupport
import Testing

/// `reconcile trajectory` end to end on `datasets/nk-in-china.csv`, as an analyst runs it:
/// exit codes, the CSV's header and rows, the JSON's keys, `--emit-stan`'s files, determinism,
/// and the errors of bad options, an unknown quantity and too few statements.
@Suite("trajectory, end to end", .serialized)
struct TrajectoryCLITests {
  static let dataset = "datasets/nk-in-china.csv"
  static let base = ["trajectory", dataset, "--quantity", "nk_in_china"]
  /// Fewer draws where the numbers themselves are not what is checked.
  static let quick = base + ["--draws", "200"]

  @Test("CSV: exit 0, the header exactly, one row per year 2000–2006")
  func csv() throws {
    let r = try CLI.run(Self.quick + ["--format", "csv"])
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.first == "year,median,lo50,hi50,lo90,hi90,statements")
    #expect(lines.last == "")
    let cells: [[String]] = lines.dropFirst().dropLast().map { $0.split(separator: ",").map(String.init) }
    let years: [String] = cells.map { $0.first ?? "" }
    let counts: [String] = cells.map { $0.last ?? "" }
    #expect(years == (2000...2006).map { String($0) })
    // Amnesty 2000 and 2001, the NGOs' bound 2002, HRWF 2006; HRW's summary and the Ministry's
    // long-term residents are left out.
    #expect(counts == ["1", "1", "1", "0", "0", "0", "1"])
  }

  @Test("JSON: exit 0 and the issue's keys; the left-out figures with their reasons")
  func json() throws {
    let r = try CLI.run(Self.quick + ["--format", "json", "--year", "2004"])
    #expect(r.status == 0, "\(r.stderr)")
    let doc = try #require(try CLI.json(r.stdout) as? [String: Any])
    for key in [
      "years", "series", "bias_scale", "statements", "left_out", "diagnostics", "priors", "consensus",
      "prior_sensitivity",
    ] {
      #expect(doc[key] != nil, "no \(key)")
    }
    let series = try #require(doc["series"] as? [[String: Any]])
    #expect(
      series.compactMap { $0["series"] as? String } == [
        "Amnesty International", "Non-governmental groups (as cited by Human Rights Watch)",
        "Human Rights Without Frontiers",
      ])
    let statements = try #require(doc["statements"] as? [[String: Any]])
    #expect(
      statements.compactMap { $0["id"] as? String } == [
        "ai-2000-range", "ai-2001-tens", "ngo-2002-survey", "hrwf-2006-range",
      ])
    #expect(statements.compactMap { $0["kind"] as? String } == ["point", "point", "upper", "point"])
    let leftOut = try #require(doc["left_out"] as? [[String: Any]])
    #expect(leftOut.compactMap { $0["id"] as? String } == ["hrw-2002-range", "mou-2002-official"])
    #expect((leftOut[1]["reason"] as? String)?.hasPrefix("narrower scope") == true)
    let consensus = try #require(doc["consensus"] as? [String: Any])
    #expect(consensus["year"] as? Int == 2004)
    let table = try CLI.run(Self.quick + ["--year", "2004"])
    #expect(table.status == 0)
    #expect(table.stdout.contains("  consensus for 2004: "))
    #expect(table.stdout.contains("  left out: mou-2002-official — narrower scope"))
  }

  @Test("The same seed gives byte-identical output; another seed does not")
  func deterministic() throws {
    let a = try CLI.run(Self.base + ["--format", "json"])
    let b = try CLI.run(Self.base + ["--format", "json"])
    #expect(a.status == 0 && b.status == 0)
    #expect(a.stdout == b.stdout)
    let c = try CLI.run(Self.base + ["--format", "json", "--seed", "2"])
    #expect(c.status == 0 && c.stdout != a.stdout)
  }

  @Test("--emit-stan writes model.stan, data.json (TrajectoryStan.dataJSON of the converted data) and README.txt")
  func emitStan() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("stan")
    let r = try CLI.run(Self.quick + ["--format", "csv", "--emit-stan", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.hasPrefix("year,median,"))
    let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
    #expect(files == ["README.txt", "data.json", "model.stan"])
    #expect(try String(contentsOf: out.appendingPathComponent("model.stan"), encoding: .utf8) == TrajectoryStan.model)
    let figures = try FiguresReader.read(path: CLI.root.appendingPathComponent(Self.dataset).path)
    let input = try TrajectoryAnalysis.input([figures], settings: TrajectorySettings(quantity: "nk_in_china"))
    let expected = try TrajectoryStan.dataJSON(input.data)
    #expect(try String(contentsOf: out.appendingPathComponent("data.json"), encoding: .utf8) == expected)
    let readme = try String(contentsOf: out.appendingPathComponent("README.txt"), encoding: .utf8)
    #expect(readme.contains("  1  Amnesty International\n"))
    #expect(readme.contains("ngo-2002-survey"))
    #expect(!expected.contains("Amnesty") && !expected.contains("ngo-2002"))
    // Into an existing folder: the three files replaced, other files left alone; nothing staged remains.
    try "keep".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
    let again = try CLI.run(Self.quick + ["--to", "2008", "--emit-stan", out.path])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == files + ["notes.txt"].sorted())
    #expect(try String(contentsOf: out.appendingPathComponent("data.json"), encoding: .utf8).contains("\"T\": 9,"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["stan"])
  }

  @Test(
    "Bad options are usage errors (64) with a message",
    arguments: [
      (["--from", "2005", "--to", "2001"], "--to 2001 is before --from 2005"),
      (["--from", "1700", "--to", "2006"], "spans 307 years; at most 200"),
      (["--to", "2300"], "2000–2300, 301 years; at most 200"),
      (["--level", "1.5"], "--level must be between 0 and 1"),
      (["--level", "0"], "--level must be between 0 and 1"),
      (["--draws", "50"], "--draws must be between 100 and 100000"),
      (["--draws", "200000"], "--draws must be between 100 and 100000"),
      (["--year", "1990"], "--year 1990 is outside the trajectory's years 2000–2006"),
      (["--reference", "Nobody"], "--reference 'Nobody' is not a series"),
    ])
  func badOptions(_ args: [String], _ message: String) throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let stan = dir.appendingPathComponent("stan")
    let r = try CLI.run(Self.base + args + ["--emit-stan", stan.path])
    #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
    #expect(r.stderr.contains(message), "\(r.stderr)")
    #expect(r.stdout.isEmpty)
    #expect(!FileManager.default.fileExists(atPath: stan.path))
  }

  @Test("An unknown quantity: exit 65, naming the file's quantities")
  func unknownQuantity() throws {
    let r = try CLI.run(["trajectory", Self.dataset, "--quantity", "nk_in_chin"])
    #expect(r.status == 65)
    #expect(r.stderr == "reconcile: error: unknown quantity 'nk_in_chin'; the files have: nk_in_china\n")
  }

  @Test("Too few statements: exit 65 naming the file; no output and no --emit-stan folder")
  func tooFew() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("one.csv").path
    try """
    id,quantity,value,period,source
    a,q,100,2000,A
    b,q,150,2000,B
    """.write(toFile: path, atomically: true, encoding: .utf8)
    let stan = dir.appendingPathComponent("stan")
    let r = try CLI.run(["trajectory", path, "--quantity", "q", "--emit-stan", stan.path])
    #expect(r.status == 65)
    #expect(
      r.stderr
        == "\(path): error: q: 2 statements in 1 year; a trajectory needs at least 2 statements in at least 2 different years\n"
    )
    #expect(r.stdout.isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["one.csv"])
  }
}
