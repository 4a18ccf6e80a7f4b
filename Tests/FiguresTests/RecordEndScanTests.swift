import Testing

@testable import Figures

/// The record ends found 64 bytes at a time (`reconcile_last_record_end`, via
/// `ChunkedCSVScanner.cutPoints`) against the rule itself, byte by byte: an LF ends a record
/// when an even number of quotes precede it.
@Suite("CSV record ends by quote parity")
struct RecordEndScanTests {
  /// The rule, one byte at a time (what `cutPoints` did before the vector scan).
  static func reference(_ b: [UInt8], _ count: Int, _ parts: Int) -> [Int] {
    var cuts: [Int] = []
    var inQuote = false
    var lastEnd = 0
    var i = 0
    for k in 1...parts {
      let sliceEnd = k == parts ? count : count / parts * k
      while i < sliceEnd {
        if b[i] == 0x22 {
          inQuote.toggle()
        } else if b[i] == 0x0A && !inQuote {
          lastEnd = i + 1
        }
        i += 1
      }
      cuts.append(lastEnd)
    }
    return cuts
  }

  /// Sparse and dense mixes: long quote-free stretches (whole 64-byte blocks with no record
  /// end, or ending inside quotes) and runs of "" escapes.
  static let alphabets: [[UInt8]] = [
    Array("ab,\"\n".utf8), Array("abcdefghijklmnopqrstuvwxyz,,,\"\n".utf8), Array("\"\"\"\n\n,a".utf8),
    Array("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n".utf8),
  ]

  /// Fewer than `limit` random bytes of the `trial`-th alphabet (in turn).
  static func randomBytes(below limit: UInt64, trial: Int, _ rng: inout SplitMix64) -> [UInt8] {
    let alphabet = alphabets[trial % alphabets.count]
    return (0..<Int(rng.next() % limit)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
  }

  @Test("Random buffers of quotes, line ends and text, cut into 1 to 5 parts")
  func matchesTheRule() {
    var rng = SplitMix64(seed: 2026)
    for trial in 0..<4000 {
      let bytes = Self.randomBytes(below: 400, trial: trial, &rng)
      let n = bytes.count
      let parts = 1 + Int(rng.next() % 5)
      let got = bytes.withUnsafeBufferPointer { ChunkedCSVScanner.cutPoints($0, n, parts) }
      #expect(got == Self.reference(bytes, n, parts), "trial \(trial): \(String(decoding: bytes, as: UTF8.self))")
    }
  }

  @Test("Blocks of 64 bytes with a quote or an LF at every position, starting inside quotes or not")
  func everyPosition() {
    for position in 0..<130 {
      for special in [UInt8(0x22), 0x0A] {
        var bytes = [UInt8](repeating: 0x61, count: 130)
        bytes[position] = special
        if position + 3 < bytes.count { bytes[position + 3] = 0x0A }
        #expect(
          bytes.withUnsafeBufferPointer { ChunkedCSVScanner.cutPoints($0, 130, 1) } == Self.reference(bytes, 130, 1))
        // Inside quotes at the start: a leading quote closes them.
        let quoted = [UInt8(0x22)] + bytes
        #expect(
          quoted.withUnsafeBufferPointer { ChunkedCSVScanner.cutPoints($0, quoted.count, 2) }
            == Self.reference(quoted, quoted.count, 2))
      }
    }
  }

  /// The first record end from a position, by the rule: the first LF with an even number of
  /// quotes between the start and it (odd when starting inside quotes), and the LFs passed.
  static func firstEnd(_ b: [UInt8], from: Int, inQuote: Bool) -> (end: Int, newlines: Int) {
    var quoted = inQuote
    var lines = 0
    var i = from
    while i < b.count {
      if b[i] == 0x22 {
        quoted.toggle()
      } else if b[i] == 0x0A {
        lines += 1
        if !quoted { return (i, lines) }
      }
      i += 1
    }
    return (b.count, lines)
  }

  @Test("The spill's record end (64 bytes at a time) from every start, inside quotes or not")
  func firstRecordEnd() {
    var rng = SplitMix64(seed: 1201)
    for trial in 0..<2000 {
      let bytes = Self.randomBytes(below: 200, trial: trial, &rng)
      let n = bytes.count
      for from in 0...n {
        for inQuote in [false, true] {
          var newlines = 3  // added to, not set
          let end = bytes.withUnsafeBufferPointer {
            QuantitySpill.recordEnd($0, from: from, inQuote: inQuote, newlines: &newlines)
          }
          let expected = Self.firstEnd(bytes, from: from, inQuote: inQuote)
          #expect(
            end == expected.end && newlines == 3 + expected.newlines, "trial \(trial) from \(from) inQuote \(inQuote)")
        }
      }
    }
  }
}
