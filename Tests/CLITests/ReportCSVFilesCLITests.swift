import Figures
import Foundation
import TestSupport
import Testing

/// The report's CSV files as spreadsheets open them (issue #30): a UTF-8 byte-order mark, and
/// every date column ISO text of one form, on the report of datasets/.
@Suite("Report CSV files: byte-order mark and ISO dates", .serialized)
struct ReportCSVFilesCLITests {
  /// `YYYY-MM-DD/YYYY-MM-DD`, both days real dates, the first not after the second.
  static func isISOInterval(_ s: String) -> Bool {
    let parts = s.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2 else { return false }
    var days: [String] = []
    for p in parts {
      let f = p.split(separator: "-", omittingEmptySubsequences: false)
      guard f.count == 3, f[0].count == 4, f[1].count == 2, f[2].count == 2,
        f.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
        let y = Int(f[0]), let m = Int(f[1]), let d = Int(f[2]), CalendarDate(year: y, month: m, day: d) != nil
      else { return false }
      days.append(String(p))
    }
    return days[0] <= days[1]
  }

  /// Every CSV file of a report of datasets/, path relative to the report → bytes.
  static func seedReportCSVs() throws -> [String: [UInt8]] {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try CLI.run(["report", "--out", dir.appendingPathComponent("out").path])
    #expect(r.status == 0, "\(r.stderr)")
    var out: [String: [UInt8]] = [:]
    let root = dir.appendingPathComponent("out")
    let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
    while let url = e?.nextObject() as? URL {
      guard url.pathExtension == "csv" else { continue }
      out[String(url.path.dropFirst(root.path.count + 1))] = [UInt8](try Data(contentsOf: url))
    }
    return out
  }

  @Test func everyCSVStartsWithTheByteOrderMarkAndEveryDateIsAnISOInterval() throws {
    let files = try Self.seedReportCSVs()
    // ranges.csv of nk-in-china and hrw-2002-figures, trend.csv of mou-arrivals and
    // unhcr-bangkok, checks.csv of the claims and of the datasets they are about.
    #expect(files.keys.contains("nk-in-china/ranges.csv") && files.keys.contains("mou-arrivals/trend.csv"))
    #expect(files.keys.contains("claims/checks.csv"))
    var dates = 0
    var columns = Set<String>()
    for (name, bytes) in files.sorted(by: { $0.key < $1.key }) {
      #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]), "\(name) has no UTF-8 byte-order mark")
      #expect(!bytes.dropFirst(3).starts(with: [0xEF, 0xBB, 0xBF]), "\(name): two marks")
      // The tool's own reader (compare's, the figures reader's) skips the mark.
      let table = try CSVReader.parse(bytes, path: name)
      #expect(table.header.first?.value.unicodeScalars.first != "\u{FEFF}", "\(name): the mark read as text")
      for column in ["published", "period"] {
        guard let k = table.columnIndex(column) else { continue }
        columns.insert(column)
        for record in table.records where k < record.fields.count && !record.fields[k].value.isEmpty {
          let cell = record.fields[k].value
          dates += 1
          #expect(Self.isISOInterval(cell), "\(name):\(record.line): \(column) \(cell) is not YYYY-MM-DD/YYYY-MM-DD")
        }
      }
    }
    #expect(columns == ["published", "period"])
    #expect(dates > 50)
  }

  @Test func theDatesKeepTheirPrecisionAsTheIntervalOfDaysTheyCover() throws {
    let files = try Self.seedReportCSVs()
    let ranges = try #require(files["nk-in-china/ranges.csv"])
    let text = String(decoding: ranges, as: UTF8.self)
    // ai-2000-range: period 2000, published 2000-06.
    #expect(text.contains(",Amnesty International,2000-06-01/2000-06-30,2000-01-01/2000-12-31,"))
    let trend = String(decoding: try #require(files["mou-arrivals/trend.csv"]), as: UTF8.self)
    // The bucket of every arrival up to 1998, and a year.
    #expect(trend.contains(",1993-01-01/1998-12-31,1995,"))
    #expect(trend.contains(",2001-01-01/2001-12-31,2001,"))
  }

  /// A figures file saved with a mark (as Excel's "CSV UTF-8" saves it) reads as without:
  /// validate, ranges in memory and on the large-file path, and report.
  @Test func aFiguresFileWithAByteOrderMarkReadsAsWithout() throws {
    let dir = try CLI.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let plain = [UInt8](try Data(contentsOf: CLI.root.appendingPathComponent("datasets/nk-in-china.csv")))
    let marked = dir.appendingPathComponent("nk-in-china.csv")
    try Data([0xEF, 0xBB, 0xBF] + plain).write(to: marked)
    let v = try CLI.run(["validate", marked.path])
    #expect(v.status == 0 && v.stdout.contains("ok — 6 figures"), "\(v.stdout)\(v.stderr)")
    let expected = try CLI.run(["ranges", "datasets/nk-in-china.csv", "--format", "csv"]).stdout
    #expect(try CLI.run(["ranges", marked.path, "--format", "csv"]).stdout == expected)
    let streamed = try CLI.run(
      ["ranges", marked.path, "--format", "csv"], environment: ["RECONCILE_RANGES_STREAM_MB": "0"])
    #expect(streamed.status == 0 && streamed.stdout == expected, "\(streamed.stderr)")
  }

  @Test func standardOutputCSVHasNoByteOrderMark() throws {
    let r = try CLI.run(["ranges", "datasets/nk-in-china.csv", "--format", "csv"])
    #expect(r.status == 0)
    #expect(r.stdout.hasPrefix("quantity,kind,id,"))
    #expect(r.stdout.contains(",2000-06-01/2000-06-30,2000-01-01/2000-12-31,"))
  }
}
