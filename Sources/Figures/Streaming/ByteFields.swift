/// Byte-level readings of figures cells that give exactly the answers of the `String` code
/// paths (`trimmingWhitespace`, ``NumberSyntax/parse(_:)``), taking a shortcut only where the
/// bytes make the answer certain and asking the `String` code otherwise.
enum ByteFields {
  /// ASCII whitespace that `String.trimmingWhitespace()` removes.
  @inline(__always)
  static func isTrimmableASCII(_ c: UInt8) -> Bool {
    c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C
  }

  /// The range of `b[start..<end]` without surrounding whitespace, as
  /// `String.trimmingWhitespace()` would cut it, or `nil` when an end of the ASCII-trimmed
  /// range is a non-ASCII byte (a no-break space may need trimming: ask the `String` code).
  @inline(__always)
  static func asciiTrimmed(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Range<
    Int
  >? {
    var s = start
    var e = end
    while s < e && isTrimmableASCII(b[s]) { s += 1 }
    while e > s && isTrimmableASCII(b[e - 1]) { e -= 1 }
    if s < e && (b[s] >= 0x80 || b[e - 1] >= 0x80) { return nil }
    return s..<e
  }

  /// The cell's text trimmed as `String.trimmingWhitespace()` trims it.
  static func trimmedString(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
    if let r = asciiTrimmed(b, start, end) {
      return String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }
    return String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
      .trimmingWhitespace()
  }

  /// Whether the cell is empty after trimming.
  @inline(__always)
  static func isBlank(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    if let r = asciiTrimmed(b, start, end) { return r.isEmpty }
    return String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
      .trimmingWhitespace().isEmpty
  }

  /// ``NumberSyntax/parse(_:)`` of the cell's bytes. Plain integers of up to 15 digits, with
  /// or without thousands separators, are read here (exactly: they are below 2^53); any
  /// other text is handed to `NumberSyntax.parse`.
  static func number(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int)
    -> NumberSyntax.Outcome
  {
    func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
    var s = start
    var e = end
    while s < e && isSpace(b[s]) { s += 1 }
    while e > s && isSpace(b[e - 1]) { e -= 1 }
    if s == e { return .missing }
    var i = s
    var negative = false
    if b[i] == 0x2B || b[i] == 0x2D {
      negative = b[i] == 0x2D
      i += 1
    }
    var magnitude: UInt64 = 0
    var digits = 0
    var group = 0
    var sawComma = false
    var plain = i < e
    while i < e {
      let c = b[i]
      if c >= 0x30 && c <= 0x39 {
        magnitude = magnitude &* 10 &+ UInt64(c &- 0x30)
        digits += 1
        group += 1
      } else if c == 0x2C {
        if sawComma ? group != 3 : (group < 1 || group > 3) {
          plain = false
          break
        }
        sawComma = true
        group = 0
      } else {
        plain = false
        break
      }
      i += 1
    }
    if plain && (sawComma ? group == 3 : digits > 0) && digits <= 15 {
      let x = Double(magnitude)
      return .number(negative ? -x : x)
    }
    return NumberSyntax.parse(
      String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self))
  }

  /// The bytes two ids are compared by: the id's own UTF-8 when it is ASCII, else its NFC
  /// form (Swift's `String ==`, which `FiguresReader` uses, compares canonical equivalents
  /// as equal, so equal ids must give equal keys).
  static func idKey(_ id: String) -> [UInt8] {
    var id = id
    let ascii = id.withUTF8 { u in u.allSatisfy { $0 < 0x80 } }
    return ascii ? Array(id.utf8) : id._nfcCodeUnits
  }
}

/// A 64-bit hash of a byte string (multiply–rotate over 8-byte words, then the SplitMix64
/// finaliser); not cryptographic, but every input bit reaches every output bit.
func fingerprint64(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
  let k1: UInt64 = 0x9E37_79B9_7F4A_7C15
  let k2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
  var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ (UInt64(bytes.count) &* k2)
  var i = 0
  let n = bytes.count
  while i + 8 <= n {
    var w: UInt64 = 0
    for k in 0..<8 { w |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
    h = ((h ^ (w &* k2)) &* k1)
    h = (h << 31) | (h >> 33)
    i += 8
  }
  if i < n {
    var w: UInt64 = 0
    var shift: UInt64 = 0
    while i < n {
      w |= UInt64(bytes[i]) << shift
      shift += 8
      i += 1
    }
    h = ((h ^ (w &* k2)) &* k1)
    h = (h << 31) | (h >> 33)
  }
  return mix64(h)
}

/// The SplitMix64 finaliser: a bijection of 64-bit words with good avalanche.
@inline(__always)
func mix64(_ x: UInt64) -> UInt64 {
  var z = x
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// A small map from byte strings to values, for caching what a cell's bytes mean (its
/// period parses, its verbal text is known…). Bounded: once it holds `limit` entries or
/// `arenaLimit` key bytes it starts again empty, so memory does not grow with the file
/// (``unbounded()`` for keys the caller keeps in full anyway).
///
/// Keys of up to 8 bytes (quantity names, years, coverages) are packed into a word and kept
/// in a table of their own: a lookup is then one probe of a few cache lines that stay in L1,
/// with no hash of the bytes and no comparison in an arena. Longer keys go to a table of
/// fingerprints and an arena of their bytes. Both tables grow with use, kept at most half
/// full.
package struct ByteKeyCache<Value> {
  /// A short key's slot: the key's bytes packed little-endian, its length, and its value
  /// (nil: empty).
  private struct ShortSlot {
    var key: UInt64 = 0
    var length: Int = 0
    var value: Value? = nil
  }
  private var shortSlots = [ShortSlot](repeating: ShortSlot(), count: 64)
  private var shortCount = 0
  private var slots: [Int32] = []
  private var hashes: [UInt64] = []
  private var starts: [Int] = []
  private var lengths: [Int] = []
  /// The long keys' values, by their index in `hashes`, `starts` and `lengths`.
  private var longValues: [Value] = []
  private var arena: [UInt8] = []
  private let limit: Int
  private let arenaLimit: Int

  package init(limit: Int = 1 << 14, arenaLimit: Int = 1 << 20) {
    // The long keys' table holds their indices as Int32.
    self.limit = min(limit, Int(Int32.max) - 1)
    self.arenaLimit = arenaLimit
  }

  /// A cache that never starts again, for keys whose caller keeps every distinct one in full
  /// (quantity names, listed in the summary): a bound would then save no memory, and a file
  /// with more distinct keys than the bound, met in turn, would miss on every row (the cache
  /// restarting empty each time it fills before any key comes round again).
  package static func unbounded() -> ByteKeyCache {
    ByteKeyCache(limit: .max, arenaLimit: .max)
  }

  private mutating func clear() {
    shortSlots = [ShortSlot](repeating: ShortSlot(), count: 64)
    shortCount = 0
    for k in slots.indices { slots[k] = 0 }
    hashes.removeAll(keepingCapacity: true)
    starts.removeAll(keepingCapacity: true)
    lengths.removeAll(keepingCapacity: true)
    longValues.removeAll(keepingCapacity: true)
    arena.removeAll(keepingCapacity: true)
  }

  /// The value cached for `key`, computing and storing it with `make` when absent.
  /// (Specialised here for `Int` values: the `Reports` module's period cache would otherwise
  /// run the generic code, looking up the type's metadata on every call.)
  @inline(__always)
  @_specialize(exported:true,where Value == Int)
  package mutating func value(
    for key: UnsafeBufferPointer<UInt8>, _ make: (UnsafeBufferPointer<UInt8>) -> Value
  ) -> Value {
    if key.count <= 8 { return shortValue(for: key, make) }
    if slots.isEmpty { slots = [Int32](repeating: 0, count: 64) }
    let h = fingerprint64(key)
    let mask = slots.count - 1
    var s = Int(truncatingIfNeeded: h) & mask
    while true {
      let e = Int(slots[s])
      if e == 0 { break }
      let k = e - 1
      if hashes[k] == h && lengths[k] == key.count {
        let start = starts[k]
        let same = arena.withUnsafeBufferPointer { a in
          var j = 0
          while j < key.count && a[start + j] == key[j] { j += 1 }
          return j == key.count
        }
        if same { return longValues[k] }
      }
      s = (s + 1) & mask
    }
    let v = make(key)
    if shortCount + longValues.count >= limit || arena.count + key.count > arenaLimit {
      clear()
      if key.count > arenaLimit { return v }
      s = Int(truncatingIfNeeded: h) & mask
      while slots[s] != 0 { s = (s + 1) & mask }
    } else if 2 * (longValues.count + 1) > slots.count {
      s = growLongSlots(placing: h)
    }
    slots[s] = Int32(longValues.count + 1)
    hashes.append(h)
    starts.append(arena.count)
    lengths.append(key.count)
    arena.append(contentsOf: key)
    longValues.append(v)
    return v
  }

  /// Doubles the long keys' slots (kept at most half full), placing the keys again by their
  /// fingerprints; returns the free slot for a new key of fingerprint `h`. Out of line: the
  /// lookup that `value(for:_:)` inlines into the row loops stays small.
  @inline(never)
  private mutating func growLongSlots(placing h: UInt64) -> Int {
    slots = [Int32](repeating: 0, count: 2 * slots.count)
    let mask = slots.count - 1
    for k in hashes.indices {
      var t = Int(truncatingIfNeeded: hashes[k]) & mask
      while slots[t] != 0 { t = (t + 1) & mask }
      slots[t] = Int32(k + 1)
    }
    var s = Int(truncatingIfNeeded: h) & mask
    while slots[s] != 0 { s = (s + 1) & mask }
    return s
  }

  /// `value(for:_:)` for a key of at most 8 bytes.
  @inline(__always)
  private mutating func shortValue(
    for key: UnsafeBufferPointer<UInt8>, _ make: (UnsafeBufferPointer<UInt8>) -> Value
  ) -> Value {
    var packed: UInt64 = 0
    for i in 0..<key.count { packed |= UInt64(key[i]) << UInt64(8 * i) }
    let h = mix64(packed ^ UInt64(key.count))
    var mask = shortSlots.count - 1
    var s = Int(truncatingIfNeeded: h) & mask
    while let value = shortSlots[s].value {
      if shortSlots[s].key == packed && shortSlots[s].length == key.count { return value }
      s = (s + 1) & mask
    }
    let v = make(key)
    if shortCount + longValues.count >= limit {
      clear()
      mask = shortSlots.count - 1
      s = Int(truncatingIfNeeded: h) & mask
    } else if 2 * (shortCount + 1) > shortSlots.count {
      // Kept at most half full: twice the slots, the keys placed again.
      let old = shortSlots
      shortSlots = [ShortSlot](repeating: ShortSlot(), count: 2 * old.count)
      mask = shortSlots.count - 1
      for slot in old where slot.value != nil {
        var t = Int(truncatingIfNeeded: mix64(slot.key ^ UInt64(slot.length))) & mask
        while shortSlots[t].value != nil { t = (t + 1) & mask }
        shortSlots[t] = slot
      }
      s = Int(truncatingIfNeeded: h) & mask
      while shortSlots[s].value != nil { s = (s + 1) & mask }
    }
    shortSlots[s] = ShortSlot(key: packed, length: key.count, value: v)
    shortCount += 1
    return v
  }
}
