import Foundation
import Testing

@testable import Figures

/// Parse speed on a generated ~50 MB figures file. Off by default; run with
///
///     FIGURES_BENCH=1 swift test -c release -Xswiftc -enable-testing \
///       --scratch-path .build-figures-release --filter ParseSpeed
///
/// It prints MB/s for `CSVReader.parse` and `FiguresReader.parse` (best of 5, bytes already
/// in memory) and checks the CSV reader reaches 200 MB/s in a release build.
@Suite("Parse speed", .enabled(if: ProcessInfo.processInfo.environment["FIGURES_BENCH"] != nil))
struct ParseSpeedTests {
  /// Figures rows with quoted thousands, quoted quotes, verbal text, periods and non-ASCII.
  static func generate(megabytes: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(megabytes * 1_000_000 + 1000)
    out += Array(
      "id,quantity,unit,value,low,high,text,period,coverage,source,published,document,quote,method,derived_from,note\n"
        .utf8)
    let phrases = ["tens of thousands", "hundreds", "scores", "a handful", ""]
    var i = 0
    while out.count < megabytes * 1_000_000 {
      i += 1
      let v = (i &* 7919) % 400_000 + 1
      let grouped = v >= 1000 ? "\(v / 1000),\(String(format: "%03d", v % 1000))" : "\(v)"
      let row =
        "f\(i),nk_in_china,persons,\"\(grouped)\",\(v / 2),\(v * 2),\(phrases[i % 5]),"
        + "\(2000 + i % 20)-\(String(format: "%02d", 1 + i % 12)),0.9,Source \(i % 37),2003-05-01,"
        + "https://example.org/doc/\(i),\"Estimates of \"\"\(grouped)\"\" people, per the report\","
        + "survey,,row \(i) Ünïcødé\n"
      out += Array(row.utf8)
    }
    return out
  }

  static func bestSeconds(_ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<5 {
      let start = DispatchTime.now().uptimeNanoseconds
      try body()
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
  }

  @Test("CSV and figures parse speed on ~50 MB")
  func speed() throws {
    let bytes = Self.generate(megabytes: 50)
    let megabytes = Double(bytes.count) / 1e6
    let csv = try Self.bestSeconds { _ = try CSVReader.parse(bytes, path: "bench.csv") }
    let figures = try Self.bestSeconds { _ = try FiguresReader.parse(bytes, path: "bench.csv") }
    print(
      String(
        format: "CSVReader.parse: %.1f MB in %.3f s = %.0f MB/s", megabytes, csv, megabytes / csv))
    print(
      String(
        format: "FiguresReader.parse: %.1f MB in %.3f s = %.0f MB/s", megabytes, figures,
        megabytes / figures))
    #if !DEBUG
      #expect(megabytes / csv >= 200)
    #endif
  }
}
