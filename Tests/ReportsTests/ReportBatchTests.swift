import Figures
import Foundation
import Testing

@testable import Reports
@testable import Statistics

/// The report streams each dataset quantity by quantity (rows sorted by quantity into a
/// temporary file, read back one quantity at a time); it must write exactly what the analyses
/// of the file read whole give.
@Suite("Report batch: streamed datasets equal the whole-file analyses")
struct ReportBatchTests {
  /// A figures file of `quantities` quantities, rows interleaved (so sorting by quantity
  /// matters), some quantities yearly series (trends), the others ranges and points.
  static func makeFile(_ url: URL, quantities: Int, seed: UInt64) throws {
    var rng = SplitMix64(state: seed)
    var text = "id,quantity,value,low,high,unit,period,source,published,quote\n"
    var rows: [String] = []
    for q in 0..<quantities {
      let series = q % 4 == 0
      let count = series ? 8 : 1 + Int(rng.next() % 5)
      for k in 0..<count {
        if series {
          rows.append(
            "s\(q)-\(k),q\(q),\(20 + k * 7 + Int(rng.next() % 9)),,,persons,\(1995 + k),Office \(q % 3),2003-01,\"count \(k)\""
          )
        } else if rng.next() % 3 == 0 {
          rows.append(
            "p\(q)-\(k),q\(q),\(1000 + Int(rng.next() % 90_000)),,,persons,2001,Source \(k),200\(k % 9)-05,\"about that\""
          )
        } else {
          let low = 1000 + Int(rng.next() % 50_000)
          rows.append(
            "r\(q)-\(k),q\(q),,\(low),\(low * (2 + Int(rng.next() % 6))),persons,2002,Source \(k),200\(k % 9)-11,\"between\""
          )
        }
      }
    }
    // Interleave: every third row moved to the end.
    let ordered =
      rows.enumerated().filter { $0.offset % 3 != 0 }.map(\.element)
      + rows.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
    text += ordered.joined(separator: "\n") + "\n"
    try text.write(to: url, atomically: true, encoding: .utf8)
  }

  @Test("Streamed report equals the in-memory analyses, file by file", arguments: [(12, 1 as UInt64), (250, 2)])
  func streamedEqualsWhole(_ quantities: Int, _ seed: UInt64) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-batch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("mixed.csv")
    try Self.makeFile(input, quantities: quantities, seed: seed)
    let out = dir.appendingPathComponent("out")
    // Without trajectories: every series here would get one (63 of them at 250 quantities, a
    // sampler run of seconds each in a debug build); ReportTrajectoryCLITests checks that the
    // streamed report's trajectory is the command's, which reads the file whole.
    let outcome = try ReportBatch.run(figures: [input.path], claims: [], out: out.path, trajectories: false)
    #expect(outcome.datasets == ["mixed"])
    let whole = try ReportBuilder.analyse(
      try FiguresReader.read(path: input.path), name: "mixed", trajectories: false)
    #expect(whole.trends.count > 0 && whole.ranges.count > 0)
    #expect(whole.outputs.count == 6)
    for (relative, text) in whole.outputs {
      // Bytes, not a String read back: Foundation's UTF-8 reading drops the CSV files' mark.
      let written = try Data(contentsOf: out.appendingPathComponent(relative))
      #expect(written == Data(text.utf8), "\(relative) differs")
    }
    // The summary parses, and lists every quantity once.
    let summary = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("mixed/summary.json")))
        as? [String: Any])
    #expect((summary["quantities"] as? [String])?.count == quantities)
    // Quantities of one figure are listed apart, one line each (`ranges.one_figure`).
    let ranges = (summary["ranges"] as? [String: Any])?["quantities"] as? [Any]
    let oneFigure = (summary["ranges"] as? [String: Any])?["one_figure"] as? [[String: Any]]
    let trends = summary["trends"] as? [Any]
    #expect((ranges?.count ?? 0) + (oneFigure?.count ?? 0) + (trends?.count ?? 0) == quantities)
    for one in oneFigure ?? [] {
      #expect(one["id"] is String && one["line"] is Int && one["low"] != nil, "\(one)")
    }
  }

  @Test func manyQuantitiesGiveOneRowEachInTheMarkdown() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-batch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let input = dir.appendingPathComponent("many.csv")
    try Self.makeFile(input, quantities: 250, seed: 3)
    let out = dir.appendingPathComponent("out")
    _ = try ReportBatch.run(figures: [input.path], claims: [], out: out.path, trajectories: false)
    let md = try String(contentsOf: out.appendingPathComponent("many/report.md"), encoding: .utf8)
    let rows = md.split(separator: "\n").filter { $0.hasPrefix("| q") && !$0.hasPrefix("| quantity") }
    // One row per quantity of two or more figures; those of one figure are counted in a sentence.
    let single = try #require(md.firstMatch(of: /## One figure each: (\d+) quantities/)).1
    #expect(rows.count + (Int(single) ?? 0) == 250)
    #expect(rows.count > 150 && (Int(single) ?? 0) > 0)
    #expect(!md.contains("### Quotes"))
  }
}
