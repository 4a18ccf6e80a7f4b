import Figures
import Foundation
import TestSupport
import Testing

@testable import Reports

/// Two folders to compare: `base` and `cur`, each a copy of the committed baseline unless a
/// test writes its own files.
struct CompareWorkspace {
  static let baseline = Fixtures.url("baseline")

  let root: URL
  var base: URL { root.appendingPathComponent("base") }
  var cur: URL { root.appendingPathComponent("cur") }

  init(copyBaseline: Bool = true) throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-compare-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    if copyBaseline {
      try FileManager.default.copyItem(at: Self.baseline, to: base)
      try FileManager.default.copyItem(at: Self.baseline, to: cur)
    } else {
      try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
      try FileManager.default.createDirectory(at: cur, withIntermediateDirectories: true)
    }
  }

  func remove() { try? FileManager.default.removeItem(at: root) }

  /// Writes `text` to `rel` under `folder` (creating folders).
  func write(_ text: String, _ rel: String, in folder: URL) throws {
    let url = folder.appendingPathComponent(rel)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
  }

  /// Replaces the one occurrence of `old` with `new` in `rel` under `cur`.
  func edit(_ rel: String, replacing old: String, with new: String) throws {
    let url = cur.appendingPathComponent(rel)
    let text = try String(contentsOf: url, encoding: .utf8)
    #expect(text.components(separatedBy: old).count == 2, "'\(old)' must occur once in \(rel)")
    try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
  }

  /// Removes the lines of `rel` under `cur` that contain `needle`.
  func deleteLines(_ rel: String, containing needle: String) throws {
    let url = cur.appendingPathComponent(rel)
    let text = try String(contentsOf: url, encoding: .utf8)
    let kept = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains(needle) }
    #expect(kept.count < text.split(separator: "\n", omittingEmptySubsequences: false).count)
    try kept.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
  }

  func compare(_ tolerance: Tolerance = .default) throws -> ComparisonReport {
    try OutputComparison.compare(baseline: base.path, current: cur.path, tolerance: tolerance)
  }
}

@Suite("Compare output folders")
struct CompareTests {
  @Test func identicalFoldersHaveNoDifferences() throws {
    let w = try CompareWorkspace()
    defer { w.remove() }
    let r = try w.compare()
    #expect(!r.hasDifferences)
    #expect(r.all.isEmpty)
    #expect(r.filesCompared == baselineFileCount())
    #expect(r.text == "no differences; \(baselineFileCount()) files compared\n")
  }

  @Test("One changed digit in a CSV cell is found, named by file, row key and column")
  func csvCellChange() throws {
    let w = try CompareWorkspace()
    defer { w.remove() }
    try w.edit(
      "mou-arrivals/trend.csv", replacing: "mou_arrivals,negbin,2003-01-01/2003-12-31,2003,1,1285,",
      with: "mou_arrivals,negbin,2003-01-01/2003-12-31,2003,1,1286,")
    let r = try w.compare()
    #expect(r.differences.count == 1)
    let d = try #require(r.differences.first)
    #expect(d.kind == .changed)
    #expect(d.file == "mou-arrivals/trend.csv")
    #expect(d.key == "quantity=mou_arrivals, period=2003-01-01/2003-12-31")
    #expect(d.column == "observed")
    #expect(
      d.line
        == "mou-arrivals/trend.csv  quantity=mou_arrivals, period=2003-01-01/2003-12-31  observed  1285 → 1286  (+7.78e-04 relative)"
    )
    #expect(r.summary == "1 difference in 1 file; \(baselineFileCount()) files compared")
  }

  @Test("One changed digit in a JSON number is found, named by its path")
  func jsonNumberChange() throws {
    let w = try CompareWorkspace()
    defer { w.remove() }
    try w.edit(
      "nk-in-china/summary.json", replacing: "\"log_sd\": 0.5446562052299008", with: "\"log_sd\": 0.5456562052299008")
    let r = try w.compare()
    let d = try #require(r.differences.first)
    #expect(r.differences.count == 1)
    #expect(d.file == "nk-in-china/summary.json")
    #expect(d.key == "$.ranges.quantities[quantity=nk_in_china].sources[id=ai-2000-range]")
    #expect(d.column == "log_sd")
    #expect(d.baseline == "0.5446562052299008" && d.current == "0.5456562052299008")
    #expect(d.line.contains("0.5446562052299008 → 0.5456562052299008  (+1.84e-03 relative)"))
  }

  /// A report written before the CSV files had a byte-order mark and ISO-interval dates (issue
  /// #30) compares equal to one written after: the mark is skipped, and a date column's cells
  /// are compared as the intervals they stand for (`2003` is `2003-01-01/2003-12-31`).
  @Test func aReportWithTheOldDatesAndNoByteOrderMarkComparesEqual() throws {
    let w = try CompareWorkspace()
    defer { w.remove() }
    for rel in ["mou-arrivals/trend.csv", "nk-in-china/ranges.csv"] {
      let url = w.cur.appendingPathComponent(rel)
      let bytes = [UInt8](try Data(contentsOf: url))
      #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]), "\(rel)")
      try Data(bytes.dropFirst(3)).write(to: url)
    }
    try w.edit(
      "mou-arrivals/trend.csv", replacing: "mou_arrivals,negbin,2003-01-01/2003-12-31,2003,",
      with: "mou_arrivals,negbin,2003,2003,")
    try w.edit(
      "mou-arrivals/trend.csv", replacing: "mou_arrivals,negbin,1993-01-01/1998-12-31,1995,",
      with: "mou_arrivals,negbin,1993/1998,1995,")
    try w.edit(
      "nk-in-china/ranges.csv", replacing: ",Amnesty International,2000-06-01/2000-06-30,2000-01-01/2000-12-31,",
      with: ",Amnesty International,2000-06,2000,")
    let r = try w.compare()
    #expect(!r.hasDifferences, "\(r.text)")
    // A date that moved is still a difference.
    try w.edit(
      "mou-arrivals/trend.csv", replacing: "mou_arrivals,negbin,2003,2003,", with: "mou_arrivals,negbin,2003-02,2003,")
    #expect(try w.compare().hasDifferences)
  }

  @Test func missingAndNewRows() throws {
    let w = try CompareWorkspace()
    defer { w.remove() }
    try w.deleteLines("nk-in-china/ranges.csv", containing: ",hrwf-2006-range,")
    try w.edit(
      "unhcr-bangkok/trend.csv", replacing: "unhcr_bangkok_cases,poisson,1998-01-01/1998-12-31,",
      with: "unhcr_bangkok_cases,poisson,1997-01-01/1997-12-31,")
    let r = try w.compare()
    let kinds = r.differences.map { "\($0.kind.rawValue) \($0.file) \($0.key)" }
    #expect(
      kinds == [
        "missing row nk-in-china/ranges.csv quantity=nk_in_china, kind=source, id=hrwf-2006-range",
        "new row unhcr-bangkok/trend.csv quantity=unhcr_bangkok_cases, period=1997-01-01/1997-12-31",
        "missing row unhcr-bangkok/trend.csv quantity=unhcr_bangkok_cases, period=1998-01-01/1998-12-31",
      ], "\(r.text)")
    #expect(r.summary.hasPrefix("3 differences in 2 files"))
  }

  @Test func missingAndNewFiles() throws {
    let w = try CompareWorkspace()
    defer { w.remove() }
    try FileManager.default.removeItem(at: w.cur.appendingPathComponent("unhcr-bangkok/summary.json"))
    try w.write("a,b\n1,2\n", "extra/new.csv", in: w.cur)
    // Hidden files (a writer's temporaries) are not outputs.
    try w.write("junk", "mou-arrivals/.trend.csv.tmp-1", in: w.cur)
    let r = try w.compare()
    #expect(
      r.differences.map(\.line) == [
        "extra/new.csv  -  (file)  (missing) → present  (new file)",
        "unhcr-bangkok/summary.json  -  (file)  present → (missing)  (missing file)",
      ])
    #expect(r.filesCompared == baselineFileCount() - 1)
  }

  @Test("Markdown is a derived view: a changed report.md is reported but does not fail")
  func derivedViewsAreInformational() throws {
    let w = try CompareWorkspace()
    defer { w.remove() }
    try w.write("# changed\n", "nk-in-china/report.md", in: w.cur)
    let r = try w.compare()
    #expect(!r.hasDifferences)
    #expect(r.notes.map(\.file) == ["nk-in-china/report.md"])
    #expect(
      r.summary == "no differences; \(baselineFileCount()) files compared; 1 derived view differs (informational)")
  }

  @Test("A change of 1e-12 relative passes at rtol 1e-9 and fails at rtol 0; atol admits noise around 0")
  func tolerances() throws {
    let w = try CompareWorkspace(copyBaseline: false)
    defer { w.remove() }
    try w.write("name,x,z\na,1,0\n", "t.csv", in: w.base)
    try w.write("name,x,z\na,1.000000000001,0\n", "t.csv", in: w.cur)
    try w.write("{\"x\": 1, \"z\": 0}", "t.json", in: w.base)
    try w.write("{\"x\": 1.000000000001, \"z\": 0}", "t.json", in: w.cur)
    #expect(!(try w.compare(.default)).hasDifferences)
    let strict = try w.compare(try #require(Tolerance(relative: 0)))
    #expect(strict.differences.map(\.file) == ["t.csv", "t.json"])
    #expect(strict.differences.allSatisfy { abs(($0.relativeChange ?? 0) - 1e-12) < 1e-15 })

    try w.write("name,x,z\na,1,0.000000000000001\n", "t.csv", in: w.cur)
    try w.write("{\"x\": 1, \"z\": 1e-15}", "t.json", in: w.cur)
    #expect(try w.compare(.default).differences.count == 2, "a baseline 0 must stay 0 with atol 0")
    #expect(!(try w.compare(try #require(Tolerance(relative: 1e-9, absolute: 1e-12)))).hasDifferences)
    let zero = try w.compare(.default).differences.first
    #expect(zero?.relativeChange == nil)
    #expect(zero?.line.hasSuffix("(+1.00e-15 absolute)") == true, "\(zero?.line ?? "")")
  }

  @Test func invalidTolerancesAreUnrepresentable() {
    #expect(Tolerance(relative: -1) == nil)
    #expect(Tolerance(relative: .nan) == nil)
    #expect(Tolerance(relative: 0, absolute: .infinity) == nil)
    #expect(Tolerance.default.relative == 1e-9 && Tolerance.default.absolute == 0)
    #expect(Tolerance.default.accepts(baseline: 0, current: 0))
    #expect(!Tolerance.default.accepts(baseline: 0, current: 1e-300))
  }

  @Test("CSV: non-numeric cells exactly, key from the text columns, columns matched by name")
  func genericCSV() throws {
    let w = try CompareWorkspace(copyBaseline: false)
    defer { w.remove() }
    try w.write("region,year,count,flag\nnorth,2001,5,yes\nsouth,2001,7,no\nnorth,2001,9,yes\n", "g.csv", in: w.base)
    // Columns reordered, one flag changed, an empty cell, a new column.
    try w.write(
      "flag,count,region,year,extra\nyes,5,north,2001,x\nmaybe,7,south,2001,x\nyes,,north,2001,x\n", "g.csv", in: w.cur)
    let r = try w.compare()
    #expect(
      r.differences.map(\.line)
        == [
          "g.csv  -  extra  (missing) → present  (new column)",
          "g.csv  region=north, flag=yes #2  count  9 → \"\"",
          "g.csv  region=south, flag=no  (row)  present → (missing)  (missing row)",
          "g.csv  region=south, flag=maybe  (row)  (missing) → present  (new row)",
        ].sorted(by: { a, b in a < b }), "\(r.text)")
  }

  @Test("CSV of numbers only: rows matched by position")
  func numericCSV() throws {
    let w = try CompareWorkspace(copyBaseline: false)
    defer { w.remove() }
    try w.write("x,y\n1,2\n3,4\n", "n.csv", in: w.base)
    try w.write("x,y\n1,2\n3,5\n5,6\n", "n.csv", in: w.cur)
    let r = try w.compare()
    #expect(r.differences.map { "\($0.key) \($0.column)" } == ["row=2 y", "row=3 (row)"])
  }

  @Test("JSON: arrays of objects by id/quantity/group/period/name, else index; members by name")
  func jsonStructure() throws {
    let w = try CompareWorkspace(copyBaseline: false)
    defer { w.remove() }
    try w.write(
      """
      {"a": [{"id": "p", "v": 1}, {"id": "q", "v": 2}], "b": [1, 2, 3], "c": {"x": null, "y": true},
       "d": [{"period": "2001", "v": "s"}], "gone": 1}
      """, "j.json", in: w.base)
    try w.write(
      """
      {"c": {"x": 0, "y": false}, "b": [1, 2], "a": [{"id": "q", "v": 2}, {"id": "r", "v": 3}],
       "d": [{"period": "2001", "v": "t"}], "new": [1]}
      """, "j.json", in: w.cur)
    let r = try w.compare()
    #expect(
      r.differences.map(\.line) == [
        "j.json  $  gone  1 → (missing)  (missing column)",
        "j.json  $  new  (missing) → […]  (new column)",
        "j.json  $.a  [id=p]  {…} → (missing)  (missing row)",
        "j.json  $.a  [id=r]  (missing) → {…}  (new row)",
        "j.json  $.b  [2]  3 → (missing)  (missing row)",
        "j.json  $.c  x  null → 0",
        "j.json  $.c  y  true → false",
        "j.json  $.d[period=2001]  v  \"s\" → \"t\"",
      ], "\(r.text)")
  }

  @Test func missingFolder() throws {
    let w = try CompareWorkspace(copyBaseline: false)
    defer { w.remove() }
    let gone = w.root.appendingPathComponent("nope").path
    #expect(throws: ComparisonError.missingFolder(path: gone)) {
      try OutputComparison.compare(baseline: w.base.path, current: gone)
    }
    try w.write("x", "file", in: w.root)
    let file = w.root.appendingPathComponent("file").path
    #expect(throws: ComparisonError.notAFolder(path: file)) {
      try OutputComparison.compare(baseline: file, current: w.cur.path)
    }
    #expect(ComparisonError.missingFolder(path: gone).exitCode == 66)
  }

  @Test(
    "Malformed JSON or CSV is a data error with line and column",
    arguments: [
      ("{\"a\": [1, 2,]}", "t.json", 1, 13),
      ("{\n  \"a\": tru\n}", "t.json", 2, 8),
      ("{\"a\": \"x", "t.json", 1, 7),
      ("{\"a\": 1} 2", "t.json", 1, 10),
      ("x,y\n1,2,3\n", "t.csv", 2, nil),
    ] as [(String, String, Int, Int?)])
  func malformed(_ text: String, _ name: String, _ line: Int, _ column: Int?) throws {
    let w = try CompareWorkspace(copyBaseline: false)
    defer { w.remove() }
    try w.write(name.hasSuffix("json") ? "{}" : "x,y\n", name, in: w.base)
    try w.write(text, name, in: w.cur)
    do {
      _ = try w.compare()
      Issue.record("expected an error")
    } catch {
      let e = try #require(error as? ComparisonError)
      #expect(e.exitCode == 65)
      let d = try #require(e.diagnostics.first)
      #expect(d.location.path.hasSuffix("cur/\(name)"))
      #expect(d.location.line == line, "\(d)")
      if let column { #expect(d.location.column == column, "\(d)") }
    }
  }

  @Test func jsonReaderReadsWhatJSONWrites() throws {
    let doc = JSON.object([
      ("s", .string("q\"\\\n\u{1}é😀")), ("n", .number(-1.2345678901234567e-300)), ("i", .int(42)),
      ("a", .array([.null, .bool(true), .bool(false)])), ("o", .object([])),
    ])
    let v = try JSONReader.parse(Array(doc.serialized().utf8), path: "x")
    #expect(v.member("s") == .string("q\"\\\n\u{1}é😀"))
    let x = -1.2345678901234567e-300
    #expect(v.member("n") == .number(x, text: "\(x)"))
    #expect(v.member("i") == .number(42, text: "42"))
    #expect(v.member("a") == .array([.null, .bool(true), .bool(false)]))
    #expect(try JSONReader.parse(Array("\"\\ud83d\\ude00\"".utf8), path: "x") == .string("😀"))
    let deep = String(repeating: "[", count: 100_000)
    #expect(throws: ComparisonError.self) { try JSONReader.parse(Array(deep.utf8), path: "x") }
    for bad in ["", "nan", "01", "1.", "-", "1e", "\"\\ud800\"", "{\"a\" 1}", "[1 2]", "1e999"] {
      #expect(throws: ComparisonError.self, "\(bad)") { try JSONReader.parse(Array(bad.utf8), path: "x") }
    }
  }
}

extension ComparisonError {
  var diagnostics: [Diagnostic] {
    if case .invalid(let d) = self { return d }
    return []
  }
}

/// Number of non-hidden files under the committed baseline (the report's file count).
func baselineFileCount() -> Int {
  let dir = Fixtures.url("baseline")
  guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else {
    return -1
  }
  var n = 0
  for case let url as URL in e where !url.lastPathComponent.hasPrefix(".") {
    if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { n += 1 }
  }
  return n
}
