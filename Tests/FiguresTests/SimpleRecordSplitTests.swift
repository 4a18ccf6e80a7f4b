import Testing

@testable import Figures

/// The simple-record split (`reconcile_split_record`, 64 bytes at a time), which the streaming
/// validator tries before its byte-by-byte reader, against the format's rules written out byte by
/// byte: it must give the same fields and record end whenever the record is simple, and decline
/// every other record (which the byte-by-byte reader then decides).
@Suite("Simple record split")
struct SimpleRecordSplitTests {
  /// The format's rules, byte by byte (those of `BlockWorker.run`): the record's end (past its
  /// line end), its fields' bounds (inside the quotes), and whether it is simple. Nil when the
  /// record is not one the validator accepts (a quote in an unquoted field, NUL, an unclosed
  /// quote, text after a closing quote, or not `count` fields).
  static func reference(_ b: [UInt8], from: Int, count: Int) -> (next: Int, fields: [Range<Int>], simple: Bool)? {
    let n = b.count
    func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
    var i = from
    var fields: [Range<Int>] = []
    var simple = true
    while true {
      guard fields.count < count else { return nil }
      if i < n && isSpace(b[i]) {
        var q = i + 1
        while q < n && isSpace(b[q]) { q += 1 }
        if q < n && b[q] == 0x22 {
          i = q
          simple = false  // spaces before an opening quote
        }
      }
      if i < n && b[i] == 0x22 {
        i += 1
        let start = i
        while i < n {
          let c = b[i]
          if c == 0x22 {
            if i + 1 < n && b[i + 1] == 0x22 {
              simple = false  // "" inside
              i += 2
              continue
            }
            break
          }
          if c == 0 { return nil }
          if c == 0x0D || c >= 0x80 { simple = false }
          i += 1
        }
        guard i < n else { return nil }  // not closed
        let end = i
        i += 1
        var after = i
        while after < n && isSpace(b[after]) { after += 1 }
        if after > i, after == n || b[after] == 0x2C || b[after] == 0x0A || b[after] == 0x0D {
          i = after
          simple = false  // spaces after a closing quote
        }
        guard i == n || b[i] == 0x2C || b[i] == 0x0A || (b[i] == 0x0D && (i + 1 == n || b[i + 1] == 0x0A)) else {
          return nil
        }
        fields.append(start..<end)
      } else {
        let start = i
        while i < n && b[i] != 0x2C && b[i] != 0x0A {
          let c = b[i]
          if c == 0x22 || c == 0 { return nil }
          if c == 0x0D || c >= 0x80 { simple = false }
          i += 1
        }
        var end = i
        if end > start && b[end - 1] == 0x0D && (i == n || b[i] == 0x0A) { end -= 1 }
        fields.append(start..<end)
      }
      if i < n && b[i] == 0x2C {
        i += 1
        continue
      }
      guard fields.count == count else { return nil }
      if i < n && b[i] == 0x0D {
        i += 1
        simple = false
      }
      if i < n && b[i] == 0x0A { i += 1 } else { simple = false }  // no LF: the block's end
      return (i, fields, simple)
    }
  }

  static let alphabets: [[UInt8]] = [
    Array("ab,\"\n".utf8), Array("abcdefgh,,\" \t\n".utf8), Array("a,\"\"\r\n".utf8) + [0, 0xC3, 0xA9],
    Array("abcdefghijklmnopqrstuvwxyz0123456789 ,,,,\"\"\n".utf8),
  ]

  @Test("Random records from every start: the same fields and end when simple, declined otherwise")
  func randomRecords() {
    var rng = SplitMix64(seed: 2612)
    var simpleCount = 0
    var declined = 0
    for trial in 0..<3000 {
      let alphabet = Self.alphabets[trial % Self.alphabets.count]
      // Up to 300 bytes: records cross the 64-byte windows and the block's end.
      let length = Int(rng.next() % 300)
      let bytes = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
      let count = 1 + Int(rng.next() % 5)
      for from in stride(from: 0, to: max(length, 1), by: 7) {
        let expected = Self.reference(bytes, from: from, count: count)
        let got = bytes.withUnsafeBufferPointer { BlockWorker.simpleRecord($0, from: from, count: count) }
        if let expected, expected.simple {
          simpleCount += 1
          #expect(
            got?.next == expected.next && got?.fields == expected.fields, "trial \(trial) from \(from) count \(count)")
        } else {
          declined += 1
          #expect(got == nil, "trial \(trial) from \(from) count \(count): \(String(describing: got))")
        }
      }
    }
    // Both kinds must be exercised.
    #expect(simpleCount >= 1000, "only \(simpleCount) simple records")
    #expect(declined >= 1000, "only \(declined) declined records")
  }

  @Test("Figures rows as the generated benchmark files have them, quoted cells with commas inside")
  func figuresRows() {
    let row = Array(
      "f1,q1,,\"1,000\",\"9,000\",,persons,1991,\"Source 1\",2002-11,doc1.txt,\"between 1000 and more, the report says\"\n"
        .utf8)
    let block = row + row + Array("tail,without,line,end".utf8)
    block.withUnsafeBufferPointer { b in
      let first = BlockWorker.simpleRecord(b, from: 0, count: 12)
      #expect(first?.next == row.count)
      #expect(first?.fields[3] == 8..<13)  // 1,000 inside its quotes
      #expect(first?.fields[11].count == "between 1000 and more, the report says".utf8.count)
      #expect(BlockWorker.simpleRecord(b, from: row.count, count: 12)?.next == 2 * row.count)
      #expect(BlockWorker.simpleRecord(b, from: row.count, count: 11) == nil)  // 12 fields
      #expect(BlockWorker.simpleRecord(b, from: 2 * row.count, count: 4) == nil)  // no LF
    }
  }
}
