import Testing

@testable import Figures
@testable import Reports
@testable import Statistics

/// The plain-record split (`PlainRecord.split`, scanning with `reconcile_split_plain`)
/// against the rule written out byte by byte.
@Suite("Plain record split")
struct PlainSplitTests {
  /// The rule, byte by byte: the cells' text (quotes removed, "" read as ") and whether each
  /// needs quoting on output; nil when the record is not plain or has not `count` fields.
  static func reference(_ record: [UInt8], count: Int) -> [(text: [UInt8], quote: Bool)]? {
    var stop = record.count
    if stop > 0 && record[stop - 1] == 0x0A { stop -= 1 }
    if stop > 0 && record[stop - 1] == 0x0D { stop -= 1 }
    var cells: [(text: [UInt8], quote: Bool)] = []
    var i = 0
    while true {
      guard cells.count < count else { return nil }
      var text: [UInt8] = []
      var quote = false
      if i < stop && record[i] == 0x22 {
        i += 1
        var closed = false
        while i < stop {
          let c = record[i]
          if c == 0x22 {
            if i + 1 < stop && record[i + 1] == 0x22 {
              text.append(0x22)
              quote = true
              i += 2
              continue
            }
            i += 1
            closed = true
            break
          }
          guard c >= 0x20 && c < 0x7F else { return nil }
          if c == 0x2C { quote = true }
          text.append(c)
          i += 1
        }
        guard closed, i == stop || record[i] == 0x2C else { return nil }
      } else {
        while i < stop && record[i] != 0x2C {
          let c = record[i]
          guard c >= 0x20 && c < 0x7F && c != 0x22 else { return nil }
          text.append(c)
          i += 1
        }
      }
      cells.append((text, quote))
      if i == stop { break }
      i += 1
    }
    return cells.count == count ? cells : nil
  }

  @Test("Random records: the same cells, quoting and verdict as the byte-by-byte rule")
  func matchesTheRule() {
    var rng = SplitMix64(state: 99)
    let pieces: [[UInt8]] = [
      Array("a".utf8), Array("word".utf8), Array(",".utf8), Array("\"".utf8), Array("\"\"".utf8),
      Array(" ".utf8), Array("\"x, y\"".utf8), Array("16,595".utf8), [0x09], [0xC3, 0xA9], [0x7F], [0x0D],
      Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8),
      Array("\"estimates vary between 16595 and more, the report says\"".utf8),
    ]
    var plainSeen = 0
    for trial in 0..<20_000 {
      var record: [UInt8] = []
      for _ in 0..<Int(rng.next() % 12) {
        // Mostly well-formed fields, sometimes raw pieces that break the rules.
        if rng.next() % 3 == 0 {
          record += pieces[Int(rng.next() % UInt64(pieces.count))]
        } else {
          let p = pieces[[0, 1, 12, 13][Int(rng.next() % 4)]]
          record += rng.next() % 2 == 0 ? p : [0x22] + p.flatMap { $0 == 0x22 ? [0x22, 0x22] : [$0] } + [0x22]
        }
        record.append(0x2C)
      }
      if !record.isEmpty && rng.next() % 2 == 0 { record.removeLast() }
      record += rng.next() % 3 == 0 ? [0x0D, 0x0A] : [0x0A]
      // Mostly the record's own field count; sometimes another (a row of the wrong width).
      let own = Self.reference(record, count: 64)?.count
      let count = rng.next() % 4 != 0 ? own ?? 1 : 1 + Int(rng.next() % 12)
      let expected = Self.reference(record, count: count)
      // The record sits inside a larger buffer, as in a quantity's records.
      let buffer = Array("xx\n".utf8) + record + Array("yy".utf8)
      let bounds = UnsafeMutablePointer<Int>.allocate(capacity: 2 * count)
      let flags = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
      defer {
        bounds.deallocate()
        flags.deallocate()
      }
      var side: [UInt8] = Array("earlier".utf8)
      let ok = buffer.withUnsafeBufferPointer { b in
        PlainRecord.split(
          b.baseAddress!, 3, 3 + record.count, bounds: bounds, flags: flags, count: count, side: &side,
          sideBase: b.count)
      }
      #expect(ok == (expected != nil), "trial \(trial): \(String(decoding: record, as: UTF8.self))")
      guard ok, let expected else { continue }
      plainSeen += 1
      for k in 0..<count {
        let inSide = flags[k] & PlainRecord.inSide != 0
        let range = bounds[2 * k]..<bounds[2 * k + 1]
        let text =
          inSide
          ? Array(side[(range.lowerBound - buffer.count)..<(range.upperBound - buffer.count)]) : Array(buffer[range])
        #expect(text == expected[k].text, "trial \(trial) field \(k)")
        #expect((flags[k] & PlainRecord.needsQuote != 0) == expected[k].quote, "trial \(trial) field \(k)")
      }
    }
    // Both verdicts are exercised.
    #expect(plainSeen > 1_000)
    #expect(plainSeen < 18_000)
  }
}
