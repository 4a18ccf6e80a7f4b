import Foundation
import Testing

@testable import Figures

/// The column-wise fast path of the `--by` batches against the general reader: on every file
/// it accepts it must give the numbers, labels and lines that `CSVTable` gives; on every file
/// that is not plain it must decline (so the general reader reports the problem).
@Suite("CSV columns fast path")
struct CSVColumnsTests {
  /// What the general reader says about the same request: (numbers per column, label per
  /// row, line per row), or nil when it fails.
  static func general(_ text: String, numeric: [String], group: String?) -> ([[Double]], [String], [Int])? {
    guard let table = try? CSVReader.parse(Array(text.utf8), path: "t.csv") else { return nil }
    var columns: [[Double]] = []
    for name in numeric {
      guard let values = try? table.numbers(column: name) else { return nil }
      var column: [Double] = []
      for v in values {
        guard let v else { return nil }
        column.append(v)
      }
      columns.append(column)
    }
    let labels = group.flatMap { try? table.strings(column: $0) } ?? table.records.map { _ in "" }
    return (columns, labels, table.records.map(\.line))
  }

  static func fast(_ text: String, numeric: [String], group: String?) -> CSVColumns? {
    Array(text.utf8).withUnsafeBufferPointer { CSVColumns.parse($0, path: "t.csv") { _ in (numeric, group) } }
  }

  /// Labels per row from the fast path's group numbers.
  static func labels(_ c: CSVColumns) -> [String] { c.groupOfRow.map { c.groupLabels[$0] } }

  /// A seeded generator of plain and not-quite-plain files.
  struct Generator {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    mutating func number(plain: Bool) -> String {
      let kind = next(9)
      switch plain && kind == 3 ? 0 : kind {
      case 0: return String(next(100_000))
      case 1: return "-\(next(1000)).\(next(1000))"
      case 2: return "\(next(10)).\(String(repeating: "0", count: next(4)))\(next(100_000_000))"
      case 3: return "\(next(1000)),\(String(format: "%03d", next(1000)))"  // a thousands separator: not plain
      case 4: return "1.5e\(next(20) - 10)"
      case 5: return " \(next(50)) "
      case 6: return "0.\(String(repeating: "0", count: 20 + next(5)))\(next(9) + 1)"
      case 7: return "+\(next(99)).5"
      default: return "\(next(1_000_000_000))\(next(1_000_000_000))"  // up to 18 digits
      }
    }
    mutating func file(plain: Bool) -> String {
      var rows = ["group,x,y,w"]
      for _ in 0..<(1 + next(60)) {
        if next(15) == 0 { rows.append("") }  // blank line
        var cells = ["g\(next(7))", number(plain: plain), number(plain: plain), number(plain: plain)]
        if !plain && next(4) == 0 {
          switch next(8) {
          case 0: cells[1] = ""
          case 1: cells[2] = "NA"
          case 2: cells[0] = "\"quoted, label\""
          case 3: cells.append("extra")
          case 4: cells[3] = "x1"
          case 5: cells[0] = "Zürich"
          default: break
          }
        }
        rows.append(cells.joined(separator: ","))
      }
      let text = rows.joined(separator: next(4) == 0 ? "\r\n" : "\n")
      return next(3) == 0 ? text : text + "\n"
    }
  }

  @Test("Agrees with the general reader, or declines, on 2,000 random files")
  func randomFiles() {
    var g = Generator(state: 42)
    var accepted = 0
    var declined = 0
    for k in 0..<2000 {
      let text = g.file(plain: k % 2 == 0)
      for (numeric, group) in [(["x", "y"], "group" as String?), (["w"], nil), (["y", "x", "w"], "group")] {
        let reference = Self.general(text, numeric: numeric, group: group)
        let fast = Self.fast(text, numeric: numeric, group: group)
        guard let fast else {
          declined += 1
          continue
        }
        accepted += 1
        guard let reference else {
          Issue.record("fast path accepted a file the general reader rejects:\n\(text)")
          return
        }
        let same =
          fast.numbers.map { $0.map(\.bitPattern) } == reference.0.map { $0.map(\.bitPattern) }
          && Self.labels(fast) == reference.1 && fast.lines == reference.2
          && fast.rowCount == reference.2.count
        #expect(same, "file \(k), columns \(numeric):\n\(text)")
        if !same { return }
      }
    }
    #expect(accepted > 1000 && declined > 1000, "accepted \(accepted), declined \(declined)")
  }

  @Test("Groups in order of first appearance, with their first lines")
  func groupOrder() throws {
    let text = "g,x\nb,1\n\na,2\nb,3\nc,4\n"
    let c = try #require(Self.fast(text, numeric: ["x"], group: "g"))
    #expect(c.groupLabels == ["b", "a", "c"])
    #expect(c.groupOfRow == [0, 1, 0, 2])
    #expect(c.lines == [2, 4, 5, 6])
    #expect(c.numbers == [[1, 2, 3, 4]])
  }

  @Test(
    "Declines what only the general reader can report",
    arguments: [
      "g,x\na,\n",  // missing number
      "g,x\na,1,2\n",  // ragged row
      "g,x\n\"a\",1\n",  // quoted field
      "g,x\na,1.2.3\n",  // not a number
      "g,g\na,1\n",  // duplicate header
      "g,x\n",  // no rows
      "g,x\ra,1\r",  // CR-only line ends
      "g,x\na,N/A\n",  // missing marker
    ])
  func declines(_ text: String) {
    #expect(Self.fast(text, numeric: ["x"], group: "g") == nil)
  }

  @Test("Large files are cut into chunks at line ends with the same result")
  func chunked() throws {
    var text = "group,x\n"
    var expected: [Double] = []
    for i in 0..<120_000 {
      if i % 1000 == 999 { text += "\n" }
      text += "g\(i % 13),\(i).25\n"
      expected.append(Double(i) + 0.25)
    }
    #expect(text.utf8.count > 1 << 20)  // large enough for one chunk per core
    let c = try #require(Self.fast(text, numeric: ["x"], group: "group"))
    #expect(c.numbers[0] == expected)
    #expect(c.groupLabels == (0..<13).map { "g\($0)" })
    #expect(c.groupOfRow == (0..<120_000).map { $0 % 13 })
    #expect(c.lines.first == 2 && c.lines.last == 120_121)
  }
}
