import Figures
import Foundation
import Testing

@testable import Reports
@testable import Statistics

/// `ranges` one quantity at a time (``RangesAnalysis/runByQuantity``) against the whole-file
/// analysis on random figures files: the same bytes in every format, the same error for the
/// same first offender, and the whole-file path left to files it does not take.
@Suite("ranges one quantity at a time equals the whole-file analysis")
struct RangesByQuantityTests {
  /// The whole-file path's output, or its error's text.
  static func wholeFile(_ path: String, _ asked: [String], _ format: RangesAnalysis.StreamFormat) -> String {
    do {
      let file = try FiguresReader.read(path: path)
      let results = try RangesAnalysis.run([file], quantities: asked, coverage: 0.9, level: 0.9)
      switch format {
      case .table: return RangesAnalysis.table(results)
      case .csv: return RangesAnalysis.csv(results).text
      case .json: return RangesAnalysis.json(results).serialized() + "\n"
      }
    } catch {
      return "error: \(error)"
    }
  }

  /// The per-quantity path's output (nil when it leaves the file to the whole-file path), or
  /// its error's text. `runBytes` 1 hands the workers one quantity at a time; the default
  /// puts all the quantities of these small files in one run.
  static func byQuantity(
    _ path: String, _ asked: [String], _ format: RangesAnalysis.StreamFormat, runBytes: Int = 256 << 10
  ) -> String? {
    var out: [UInt8] = []
    do {
      let handled = try RangesAnalysis.runByQuantity(
        path: path, quantities: asked, coverage: 0.9, level: 0.9, format: format, runBytes: runBytes
      ) { out += $0 }
      return handled ? String(decoding: out, as: UTF8.self) : nil
    } catch {
      return "error: \(error)"
    }
  }

  /// A random figures file: quantities with commas, quotes and accents; ranges with thousands
  /// separators, points, one-sided bounds, verbal text; periods, coverage in both forms,
  /// default ids, derived_from across quantities, quotes over several lines, blank rows; CRLF
  /// line ends and a byte-order mark in some files.
  static func randomFile(seed: UInt64, rows: Int, weight: Bool = false) -> String {
    var rng = SplitMix64(state: seed)
    func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
    let quantities = ["q0", "q1", "\"q, two\"", "région", "\" padded \"", "\"q\"\"quoted\"\"\"", "q6"]
    let crlf = rng.next() % 3 == 0
    var lines = [
      "id,quantity,value,low,high,text,unit,period,source,published,document,quote,coverage,derived_from"
        + (weight ? ",weight" : "")
    ]
    var ids: [String] = []
    for k in 0..<rows {
      if rng.next() % 40 == 0 {
        lines.append(String(repeating: ",", count: weight ? 14 : 13))
        continue
      }
      let id = rng.next() % 15 == 0 ? "" : "f\(k)"
      let low = Int(rng.next() % 50_000) + 1
      let high = low * Int(rng.next() % 8 + 1)
      var value = ""
      var lo = ""
      var hi = ""
      var text = ""
      switch rng.next() % 7 {
      case 0: value = "\(low)"
      case 1: lo = "\(low)"
      case 2: hi = "\"\(grouped(high))\""
      case 3: text = pick(["tens of thousands", "hundreds", "several thousand"])
      case 4: (lo, hi, text) = ("\(low)", "\(high)", "\"between \(low) and \(high)\"")
      default:
        (lo, hi) = ("\"\(grouped(low))\"", "\(high)")
      }
      let period = pick(["", "1999", "2003-05", "2010", "2001"])
      let published = pick(["2002-11", "2005", "2010-03-04", ""])
      let coverage = pick(["", "", "0.8", "95%", "0.5"])
      var derived = ""
      if let target = ids.last, rng.next() % 12 == 0 { derived = target }
      let quote = pick(["\"they said \"\"many\"\"\nand more\"", "plain quote", "\"a, b\"", "", "\"ünïcode — “curly”\""])
      var row =
        "\(id),\(pick(quantities)),\(value),\(lo),\(hi),\(text),persons,\(period),\(pick(["HRW", "\"Amnesty, Intl\"", "MOU"])),\(published),doc\(k % 9).txt,\(quote),\(coverage),\(derived)"
      if weight { row += "," + pick(["", "1", "2.5", "0"]) }
      lines.append(row)
      if !id.isEmpty { ids.append(id) }
    }
    let eol = crlf ? "\r\n" : "\n"
    return (rng.next() % 4 == 0 ? "\u{FEFF}" : "") + lines.joined(separator: eol) + eol
  }

  static func write(_ text: String, name: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
      "reconcile-ranges-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
    return path
  }

  @Test("60 random files, every format, all quantities and a selection: the same bytes")
  func randomFiles() throws {
    var handled = 0
    var succeeded = 0
    var comparisons = 0
    for seed in UInt64(1)...60 {
      let path = try Self.write(Self.randomFile(seed: seed, rows: 40 + Int(seed) * 7), name: "f\(seed).csv")
      defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
      // The table and JSON add leave-one-out and the consensus by year, each a censored
      // maximum-likelihood fit per source where bounds are pooled (2 in 7 rows here): they are
      // compared on the first 15 files, the CSV on all 60 (a debug build's test run stays short).
      let formats: [RangesAnalysis.StreamFormat] = seed <= 15 ? [.table, .csv, .json] : [.csv]
      comparisons += formats.count * 3
      for format in formats {
        for asked in [[], ["q1", "région"], ["q, two"]] {
          let whole = Self.wholeFile(path, asked, format)
          guard let streamed = Self.byQuantity(path, asked, format) else { continue }
          handled += 1
          if !whole.hasPrefix("error:") { succeeded += 1 }
          #expect(streamed == whole, "seed \(seed), \(format), \(asked)")
          #expect(
            Self.byQuantity(path, asked, format, runBytes: 1) == whole,
            "seed \(seed), \(format), \(asked), one at a time")
        }
      }
    }
    // Files with warnings (negative numbers never occur here; a value outside its range can
    // not either) are the only ones left to the whole-file path: nearly all are handled.
    #expect(handled >= comparisons * 9 / 10)
    // The files are valid: the comparisons are of outputs, not of errors.
    #expect(succeeded == handled, "\(handled - succeeded) comparisons were of errors")
  }

  @Test("Runs of quantities: consecutive, covering all, each ending where it reaches the size")
  func runs() {
    #expect(RangesAnalysis.consecutiveRuns([], atLeast: 10) == [])
    #expect(RangesAnalysis.consecutiveRuns([3], atLeast: 10) == [0..<1])
    #expect(RangesAnalysis.consecutiveRuns([30, 1, 2, 9, 4, 40, 1], atLeast: 10) == [0..<1, 1..<4, 4..<6, 6..<7])
    #expect(RangesAnalysis.consecutiveRuns([5, 5, 5], atLeast: 1) == [0..<1, 1..<2, 2..<3])
  }

  @Test("A bad weight stops at the same quantity with the same message")
  func badWeight() throws {
    let text = Self.randomFile(seed: 99, rows: 200, weight: true)
      .replacingOccurrences(of: ",2.5\r\n", with: ",heavy\r\n").replacingOccurrences(of: ",2.5\n", with: ",heavy\n")
    let path = try Self.write(text, name: "w.csv")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let whole = Self.wholeFile(path, [], .csv)
    #expect(whole.hasPrefix("error: "))
    #expect(Self.byQuantity(path, [], .csv) == whole)
    #expect(Self.byQuantity(path, [], .csv, runBytes: 1) == whole)
    #expect(Self.byQuantity(path, [], .csv, runBytes: 300) == whole)
  }

  @Test("An unknown quantity and an invalid file fail as the whole-file path does")
  func errors() throws {
    let good = try Self.write(Self.randomFile(seed: 5, rows: 100), name: "g.csv")
    defer { try? FileManager.default.removeItem(atPath: (good as NSString).deletingLastPathComponent) }
    #expect(Self.byQuantity(good, ["q1", "nope"], .json) == Self.wholeFile(good, ["q1", "nope"], .json))
    #expect(Self.wholeFile(good, ["nope"], .json).contains("unknown quantity 'nope'"))
    let bad = try Self.write(
      "id,quantity,low,high\nf1,q,10,5\nf2,q,abc,7\nf1,q,1,2\n", name: "bad.csv")
    defer { try? FileManager.default.removeItem(atPath: (bad as NSString).deletingLastPathComponent) }
    let whole = Self.wholeFile(bad, [], .csv)
    #expect(whole.contains("duplicate id 'f1'"))
    #expect(Self.byQuantity(bad, [], .csv) == whole)
  }

  @Test("Files with warnings are left to the whole-file path")
  func declines() throws {
    let warn = try Self.write("id,quantity,low,high\nf1,q,-5,10\nf2,q,1,2\n", name: "warn.csv")
    defer { try? FileManager.default.removeItem(atPath: (warn as NSString).deletingLastPathComponent) }
    #expect(Self.byQuantity(warn, [], .csv) == nil)
  }

  @Test("An HXL hashtag row maps the columns of every quantity's rows, at their original lines")
  func hashtagRow() throws {
    var lines = ["ident,what,from,to,said", "#meta+id,#indicator,#affected+min,#affected+max,#meta+quote"]
    for k in 0..<120 {
      lines.append(
        "h\(k),\(k % 3 == 0 ? "q\(k % 4)" : "\"q\(k % 4)\""),\(100 + k),\(300 + 2 * k),\"row \(k)\nsecond line\"")
    }
    let hxl = try Self.write(lines.joined(separator: "\n") + "\n", name: "hxl.csv")
    defer { try? FileManager.default.removeItem(atPath: (hxl as NSString).deletingLastPathComponent) }
    for format in [RangesAnalysis.StreamFormat.table, .csv, .json] {
      let whole = Self.wholeFile(hxl, [], format)
      #expect(!whole.hasPrefix("error:"), "\(whole.prefix(300))")
      #expect(Self.byQuantity(hxl, [], format) == whole, "\(format)")
    }
  }
}

/// `n` with thousands separated by commas ("12,345").
func grouped(_ n: Int) -> String {
  var digits = Array(String(n))
  var i = digits.count - 3
  while i > 0 {
    digits.insert(",", at: i)
    i -= 3
  }
  return String(digits)
}
