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
      try Data((lines.joined(separator: trial % 2 == 0 ? "\n" : "\r\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
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
}
