import Figures
import Foundation
import Testing

@testable import Reports
@testable import Statistics

/// The CSV of plain quantities written from their records' bytes (``PlainFigureRows``, through `RangesAnalysis.plainCSV`) against
/// the whole-file analysis, and the records that must send a quantity through the figures
/// reader instead.
@Suite("ranges CSV from plain records")
struct RangesPlainRowsTests {
  /// A random file without a coverage column: quantities p0, "p, two" and p2 plain (ids,
  /// numbers with and without thousands separators, points, one-sided bounds, zero, zero-width
  /// ranges, quoted sources with commas and quotes, periods, CRLF, a byte-order mark, an empty
  /// `weight` column), and "mixed", whose rows now and then carry what a plain record may not:
  /// verbal text, a restatement, a weight, a missing id, an accent, a space inside quotes, a
  /// quote over two lines, a value beside a range.
  static func randomFile(seed: UInt64, rows: Int) -> (text: String, mixedIsPlain: Bool) {
    var rng = SplitMix64(state: seed)
    func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
    let crlf = rng.next() % 3 == 0
    let weightColumn = rng.next() % 2 == 0
    var lines = [
      "id,quantity,value,low,high,text,unit,period,source,published,document,quote,derived_from"
        + (weightColumn ? ",Weight" : "")
    ]
    var mixedIsPlain = true
    for k in 0..<rows {
      let quantity = pick(["p0", "\"p, two\"", "p2", "mixed"])
      let low = Int(rng.next() % 50_000) + 1
      let high = low * Int(rng.next() % 8 + 1)
      var value = ""
      var lo = ""
      var hi = ""
      switch rng.next() % 8 {
      case 0: value = "\(low)"
      case 1: lo = "\(low)"
      case 2: hi = "\"\(grouped(high))\""
      case 3: value = "0"
      case 4: (lo, hi) = ("\(low)", "\(low)")
      case 5:
        // A value beside a range is a stated centre: not plain (only in "mixed").
        if quantity == "mixed" {
          (value, lo, hi) = ("\(low)", "\(low)", "\(high)")
          mixedIsPlain = false
        } else {
          (lo, hi) = ("\(low)", "\(high)")
        }
      default: (lo, hi) = ("\"\(grouped(low))\"", "\(high).5")
      }
      var id = "f\(k)"
      var text = ""
      var derived = ""
      var weight = ""
      var source = pick(["HRW", "\"Amnesty, Intl\"", "MOU", "\"Say \"\"hi\"\"\""])
      var quote = pick(["plain quote", "\"a, b\"", ""])
      if quantity == "mixed" && rng.next() % 25 == 0 {
        mixedIsPlain = false
        switch rng.next() % 7 {
        case 0: text = "tens of thousands"
        case 1: derived = "f0"
        case 2:
          if weightColumn { weight = "2" } else { text = "hundreds" }
        case 3: if k > 0 { id = "" } else { text = "hundreds" }
        case 4: source = "Sécurité"
        case 5: source = "\"HRW \""
        default: quote = "\"two\nlines\""
        }
      }
      let period = pick(["", "1999", "2003-05", "2010", "2001"])
      let published = pick(["2002-11", "2005", "2010-03-04", ""])
      var row =
        "\(id),\(quantity),\(value),\(lo),\(hi),\(text),persons,\(period),\(source),\(published),doc\(k % 9).txt,\(quote),\(derived)"
      if weightColumn { row += ",\(weight)" }
      lines.append(row)
    }
    let eol = crlf ? "\r\n" : "\n"
    return ((rng.next() % 4 == 0 ? "\u{FEFF}" : "") + lines.joined(separator: eol) + eol, mixedIsPlain)
  }

  /// `ranges --format csv` one quantity at a time, with or without the plain-record path.
  static func byQuantity(_ path: String, _ asked: [String], plainRows: Bool) -> String? {
    var out: [UInt8] = []
    do {
      let handled = try RangesAnalysis.runByQuantity(
        path: path, quantities: asked, coverage: 0.8, level: 0.9, format: .csv, plainRows: plainRows
      ) { out += $0 }
      return handled ? String(decoding: out, as: UTF8.self) : nil
    } catch {
      return "error: \(error)"
    }
  }

  static func wholeFile(_ path: String, _ asked: [String]) throws -> String {
    let file = try FiguresReader.read(path: path)
    return RangesAnalysis.csv(try RangesAnalysis.run([file], quantities: asked, coverage: 0.8, level: 0.9)).text
  }

  @Test("40 random files: the same CSV bytes as the whole-file analysis, plain quantities read from bytes")
  func randomFiles() throws {
    var plainQuantities = 0
    var readerQuantities = 0
    for seed in UInt64(1)...40 {
      let (text, mixedIsPlain) = Self.randomFile(seed: seed, rows: 60 + Int(seed) * 11)
      let path = try RangesByQuantityTests.write(text, name: "p\(seed).csv")
      defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
      for asked in [[], ["mixed", "p0"], ["p, two"]] {
        let whole = try Self.wholeFile(path, asked)
        #expect(Self.byQuantity(path, asked, plainRows: true) == whole, "seed \(seed), \(asked)")
        #expect(Self.byQuantity(path, asked, plainRows: false) == whole, "seed \(seed), \(asked)")
      }
      // Which quantities took the byte path.
      let spill = try #require(QuantitySpill.make(path: path))
      let columns = try #require(spill.columns)
      for k in spill.quantities.indices {
        let bytes = try RangesAnalysis.plainCSV(
          spill, k, records: try spill.records(of: k), columns: columns, header: false, coverage: 0.8, level: 0.9)
        if spill.quantities[k] == "mixed" {
          #expect((bytes != nil) == mixedIsPlain, "seed \(seed)")
        } else {
          #expect(bytes != nil, "seed \(seed), \(spill.quantities[k])")
        }
        if bytes != nil { plainQuantities += 1 } else { readerQuantities += 1 }
      }
    }
    #expect(plainQuantities > 100)
    #expect(readerQuantities > 10)
  }

  /// One file per feature: each makes its quantity go through the figures reader, and the
  /// output is still the whole-file output.
  @Test(
    "Verbal text, restatements, stated coverage or weight, HXL rows, accents and spacing are left to the figures reader"
  )
  func notPlain() throws {
    let header = "id,quantity,low,high,text,source,period,derived_from,weight"
    let plain = ["a1,q,100,400,,HRW,2001,,", "a2,q,\"1,500\",\"3,000\",,\"Amnesty, Intl\",2003-05,,"]
    let variants: [(String, [String], String?)] = [
      ("plain", plain, nil),
      ("verbal", plain + ["a3,q,,,tens of thousands,HRW,2001,,"], nil),
      ("restates", plain + ["a3,q,10,20,,HRW,2001,a1,"], nil),
      ("weight", plain + ["a3,q,10,20,,HRW,2001,,2"], nil),
      ("no id", plain + [",q,10,20,,HRW,2001,,"], nil),
      ("accent", plain + ["a3,q,10,20,,Sécurité,2001,,"], nil),
      ("space in quotes", plain + ["a3,q,10,20,,\"HRW \",2001,,"], nil),
      ("space before a quote", plain + ["a3,q,10,20,, \"HRW\",2001,,"], nil),
      ("tab", plain + ["a3,q,10,20,,H\tRW,2001,,"], nil),
      ("two lines", plain + ["a3,q,10,20,,\"H\nRW\",2001,,"], nil),
      (
        "coverage column", ["a1,q,100,400,,HRW,2001,,,0.5"],
        "id,quantity,low,high,text,source,period,derived_from,weight,coverage"
      ),
      ("hxl", ["#meta+id,#indicator,#affected+min,#affected+max,,,,,", "a1,q,100,400,,HRW,2001,,"], nil),
    ]
    for (name, rows, otherHeader) in variants {
      let path = try RangesByQuantityTests.write(
        ([otherHeader ?? header] + rows).joined(separator: "\n") + "\n", name: "v.csv")
      defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
      let spill = try #require(QuantitySpill.make(path: path), "\(name)")
      let bytes = try spill.columns.flatMap {
        try RangesAnalysis.plainCSV(
          spill, 0, records: try spill.records(of: 0), columns: $0, header: true, coverage: 0.8, level: 0.9)
      }
      #expect((bytes != nil) == (name == "plain"), "\(name)")
      let whole = try Self.wholeFile(path, [])
      // (A space before a quote is something the streaming validator leaves to the whole-file
      // reader, so that file is not taken one quantity at a time at all.)
      if let streamed = Self.byQuantity(path, [], plainRows: true) { #expect(streamed == whole, "\(name)") }
      if let bytes { #expect(String(decoding: bytes, as: UTF8.self) == whole) }
    }
  }
}
