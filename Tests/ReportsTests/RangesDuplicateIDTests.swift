import Figures
import Foundation
import Testing

@testable import Reports

/// Ids are unique within a file, but two files may both use one. Each figure's row must then
/// show its own reading and its own pooling, not those of the other file's figure (until
/// 2026-11 the rows looked both up by id: the first x1 below was shown as read from words, with
/// no range, pooled and excluded at once).
@Suite("ranges with an id used in two files")
struct RangesDuplicateIDTests {
  func file(_ text: String, _ path: String) throws -> FiguresFile {
    try FiguresReader.parse(Array(text.utf8), path: path)
  }

  @Test("Each figure keeps its own reading, distribution and exclusion in CSV, JSON and table")
  func ownRows() throws {
    let header = "id,quantity,value,low,high,text,source,published,derived_from\n"
    let a = try file(header + "x1,q,,100,400,,A,2001,\nx2,q,,150,300,,A,2001,\n", "a.csv")
    // b's x1 is a verbal figure that restates x2: excluded, read from the verbal table.
    let b = try file(header + "x1,q,,,,tens of thousands,B,2002,x2\nx2,q,,120,360,,B,2002,\n", "b.csv")
    let results = try RangesAnalysis.run([a, b])
    let r = try #require(results.first)
    #expect(r.figures.map(\.id) == ["x1", "x2", "x1", "x2"])
    #expect(r.textual == [false, false, true, false])
    #expect(r.pooling(ofFigure: 0).distribution?.low == 100)
    #expect(r.pooling(ofFigure: 0).excludedReason == nil)
    #expect(r.pooling(ofFigure: 2).distribution == nil)
    #expect(r.pooling(ofFigure: 2).excludedReason?.hasPrefix("restates x2") == true)
    #expect(r.pooling(ofFigure: 3).distribution?.low == 120)

    let csv = String(decoding: RangesAnalysis.csvBytes(results), as: UTF8.self)
    #expect(csv == RangesAnalysis.csv(results).text)
    let rows = csv.split(separator: "\n").map(String.init)
    #expect(rows[1].hasPrefix("q,source,x1,A 2001: 100–400,100,200,400,,yes,,A,"))
    #expect(rows[3].hasPrefix("q,source,x1,B 2002: tens of thousands,20000,"))
    #expect(rows[3].contains(",no,restates x2"))

    let json = RangesAnalysis.json(results).serialized()
    let sources = try #require(
      (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        .flatMap { ($0["quantities"] as? [[String: Any]])?.first?["sources"] as? [[String: Any]] })
    #expect(sources.map { $0["from_text"] as? Bool } == [false, false, true, false])
    #expect(sources.map { $0["pooled_low"] as? Double } == [100, 150, nil, 120])
    #expect((sources[2]["excluded_reason"] as? String)?.hasPrefix("restates x2") == true)
    #expect(sources[0]["excluded_reason"] is NSNull)

    let table = RangesAnalysis.table(results)
    let lines = table.split(separator: "\n").filter { $0.hasPrefix("  x1 ") }
    #expect(lines.count == 2)
    // The pooled column, then the weight (a share for the pooled figure, — for the other).
    #expect(lines.first?.contains(" yes ") == true && lines.first?.hasSuffix("%") == true)
    #expect(lines.last?.contains(" no ") == true && lines.last?.hasSuffix("—") == true)
  }
}
