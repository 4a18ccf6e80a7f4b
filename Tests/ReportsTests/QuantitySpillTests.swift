import Figures
import Foundation
import Testing

@testable import Statistics

/// The rows sorted by quantity (`QuantitySpill`) against the figures reader on the whole
/// file: the same quantities in the same order, and each quantity's figures in file order,
/// however its cell is spelled.
@Suite("Rows sorted by quantity")
struct QuantitySpillTests {
  @Test("Quantity cells quoted, padded, blank or repeated: the reader's grouping, in file order")
  func sameGroupingAsTheReader() throws {
    var rng = SplitMix64(state: 11)
    let spellings: [(cell: String, quantity: String?)] = [
      ("q1", "q1"), ("\"q1\"", "q1"), (" q1 ", "q1"), ("\"q, 2\"", "q, 2"), ("\" q, 2\"", "q, 2"),
      ("\"say \"\"3\"\"\"", "say \"3\""), ("", nil), ("\"\"", nil), ("   ", nil), ("é", "é"),
    ]
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spill-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for trial in 0..<20 {
      var lines = ["id,quantity,low,high,quote"]
      var expected: [String: [String]] = [:]
      var order: [String] = []
      for k in 0..<(50 + Int(rng.next() % 400)) {
        let (cell, quantity) = spellings[Int(rng.next() % UInt64(spellings.count))]
        let quote = rng.next() % 5 == 0 ? "\"two\nlines, \"\"quoted\"\"\"" : "plain"
        if quantity == nil {
          lines.append(rng.next() % 2 == 0 ? "" : ",\(cell),,,")
          continue
        }
        lines.append("f\(k),\(cell),\(10 + k),\(20 + k),\(quote)")
        if let quantity {
          if expected[quantity] == nil { order.append(quantity) }
          expected[quantity, default: []].append("f\(k)")
        }
      }
      let path = dir.appendingPathComponent("t\(trial).csv").path
      try Data((lines.joined(separator: trial % 2 == 0 ? "\n" : "\r\n") + "\n").utf8).write(
        to: URL(fileURLWithPath: path))
      // The reader is the reference for what the cells mean.
      let whole = try FiguresReader.read(path: path)
      var byReader: [String: [String]] = [:]
      for f in whole.figures { byReader[f.quantity, default: []].append(f.id) }
      #expect(byReader == expected, "trial \(trial)")
      // A small buffer limit: many flushes, so a quantity's records come from many pieces.
      let spill = try #require(QuantitySpill.make(path: path, bufferLimit: 512))
      #expect(spill.quantities == order, "trial \(trial)")
      #expect(spill.rowCount == whole.figures.count)
      for (k, q) in spill.quantities.enumerated() {
        let file = try spill.figures(of: k)
        #expect(file.figures.map { $0.id } == expected[q], "trial \(trial) quantity \(q)")
        #expect(file.figures.allSatisfy { $0.quantity == q })
      }
    }
  }

  @Test("A file of many reading rounds, with a record longer than two rounds: the reader's grouping")
  func manyRoundsAndALongRecord() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spill-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var lines = ["id,quantity,low,high,quote"]
    var expected: [String: [String]] = [:]
    // About 1.5 MB: six rounds of 256 KB; record 4,000 has a quote of 600 KB over 3,000
    // lines, so rounds end inside it and the buffer must grow to hold it.
    let long =
      "\"" + Array(repeating: String(repeating: "x", count: 199) + ",", count: 3000).joined(separator: "\n") + "\""
    for k in 0..<20_000 {
      let q = "q\(k % 7)"
      let quote = k == 4000 ? long : "\"estimates vary, \(k)\""
      lines.append("f\(k),\(q),\(10 + k),\(20 + k),\(quote)")
      expected[q, default: []].append("f\(k)")
    }
    let path = dir.appendingPathComponent("big.csv").path
    let data = Data((lines.joined(separator: "\n") + "\n").utf8)
    #expect(data.count > 5 * QuantitySpill.roundSize)
    try data.write(to: URL(fileURLWithPath: path))
    let spill = try #require(QuantitySpill.make(path: path))
    #expect(spill.quantities == (0..<7).map { "q\($0)" })
    #expect(spill.rowCount == 20_000)
    for (k, q) in spill.quantities.enumerated() {
      let file = try spill.figures(of: k)
      #expect(file.figures.map { $0.id } == expected[q], "quantity \(q)")
    }
    let q3 = try spill.figures(of: 3)  // 4,000 = 3 (mod 7)
    let longFigure = try #require(q3.figures.first { $0.id == "f4000" })
    #expect(longFigure.quote.utf8.count == 3000 * 200 + 2999)
  }
}
