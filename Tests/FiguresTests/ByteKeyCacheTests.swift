import Testing

@testable import Figures

/// `ByteKeyCache`: the value of every key is the one `make` gives it, `make` runs once per key
/// until the cache starts again, short (packed) and long keys alike.
@Suite("Byte-key cache")
struct ByteKeyCacheTests {
  @Test("Random keys of 0 to 20 bytes, with and without restarts: values and calls of make")
  func againstADictionary() {
    var rng = SplitMix64(seed: 5)
    for limit in [3, 50, 1 << 14] {
      var cache = ByteKeyCache<Int>(limit: limit, arenaLimit: limit == 3 ? 16 : 1 << 20)
      var reference: [[UInt8]: Int] = [:]
      var calls = 0
      // A pool of keys that share prefixes, differ only in length or hold zero bytes.
      var pool: [[UInt8]] = [
        [], [0], [0, 0], [0x71], [0x71, 0], Array("q1".utf8), Array("q10".utf8), Array("12345678".utf8),
        Array("123456789".utf8),
      ]
      for _ in 0..<300 {
        let n = Int(rng.next() % 21)
        pool.append((0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next() % 4 == 0 ? 0 : rng.next()) })
      }
      for step in 0..<20_000 {
        let key = pool[Int(rng.next() % UInt64(pool.count))]
        let expected = key.reduce(17) { $0 &* 31 &+ Int($1) } &+ key.count
        var called = false
        let v = key.withUnsafeBufferPointer { b in
          cache.value(for: b) { k in
            called = true
            return k.reduce(17) { $0 &* 31 &+ Int($1) } &+ k.count
          }
        }
        #expect(v == expected, "step \(step) key \(key)")
        if called { calls += 1 }
        if limit == 1 << 14 {
          // Never restarted: make runs exactly once per distinct key.
          #expect(called == (reference[key] == nil), "step \(step) key \(key)")
        }
        reference[key] = v
      }
      if limit == 1 << 14 { #expect(calls == reference.count) } else { #expect(calls > reference.count) }
    }
  }
  @Test("Unbounded: 40,000 keys met in turn, three times over, make once per key")
  func unboundedCycle() {
    // Quantity names of a file with more quantities than the default bound, row after row in
    // turn: a bounded cache restarts before any key comes round again and misses every time.
    var cache = ByteKeyCache<Int>.unbounded()
    var bounded = ByteKeyCache<Int>()
    let keys = (0..<40_000).map { i in Array((i % 2 == 0 ? "q\(i)" : "a-longer-quantity-\(i)").utf8) }
    var calls = 0
    var boundedCalls = 0
    for round in 0..<3 {
      for (i, key) in keys.enumerated() {
        let v = key.withUnsafeBufferPointer { b in
          cache.value(for: b) { _ in
            calls += 1
            return i
          }
        }
        #expect(v == i, "round \(round) key \(i)")
        _ = key.withUnsafeBufferPointer { b in
          bounded.value(for: b) { _ in
            boundedCalls += 1
            return i
          }
        }
      }
    }
    #expect(calls == keys.count)
    #expect(boundedCalls == 3 * keys.count)
  }
}
