#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A set of 64-bit id fingerprints with a fixed memory budget, for finding duplicate ids in a
/// file of any size.
///
/// The table holds only the fingerprints of one *partition* of the id space: those whose
/// mixed fingerprint starts with the bits `prefix` (`depth` bits; depth 0 is everything).
/// When more than `maxCount` fingerprints arrive, the partition is halved: the upper half's
/// entries are dropped and the half is recorded in `pending`, for another pass over the file.
/// Every id of a partition is thus counted in exactly one pass, and two equal ids (equal
/// fingerprints) always fall in the same one.
///
/// A fingerprint seen twice goes into `suspects`: either a duplicate id or two different ids
/// whose fingerprints collide; the caller tells which by comparing the texts.
///
/// Open addressing with linear probing; 0 marks an empty slot (fingerprints are never 0).
/// Memory: 8 bytes per slot, about 4/3 × `maxCount` slots. The slots are probed at random:
/// mapped untouched, each 4 KB page's first write after its first read would cost a
/// copy-on-write fault and a TLB flush on every core (7% of `ranges`' time on a 100 MB
/// file), so for a large file (`prefault`) the mapping is populated up front, in one go.
/// (Huge pages avoid the flushes too, but their first touch on this virtual machine costs from
/// 1% to 10% of the run, from one run to the next.) A small file's table stays untouched
/// until used: it sees few ids.
final class FingerprintTable {
  private let slots: UnsafeMutablePointer<UInt64>
  private let mappedBytes: Int
  private let mask: Int
  let maxCount: Int
  private(set) var count = 0
  private(set) var depth = 0
  private(set) var prefix: UInt64 = 0
  /// Partitions (depth, prefix) split off and not yet checked.
  var pending: [(depth: Int, prefix: UInt64)] = []
  /// Fingerprints inserted more than once.
  var suspects: Set<UInt64> = []

  /// A table for at most `maxCount` fingerprints per partition, populated up front when
  /// `prefault`; `nil` if memory is short.
  init?(maxCount: Int, prefault: Bool = false) {
    let limit = max(maxCount, 1)
    var capacity = 16
    while capacity < limit + limit / 3 + 1 { capacity <<= 1 }
    let bytes = capacity * MemoryLayout<UInt64>.stride
    #if os(Linux)
      let flags = MAP_PRIVATE | MAP_ANONYMOUS | (prefault ? MAP_POPULATE : 0)
    #else
      let flags = MAP_PRIVATE | MAP_ANONYMOUS
    #endif
    guard let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, flags, -1, 0), raw != MAP_FAILED else { return nil }
    slots = raw.bindMemory(to: UInt64.self, capacity: capacity)
    mappedBytes = bytes
    mask = capacity - 1
    self.maxCount = limit
  }

  deinit { munmap(slots, mappedBytes) }

  /// Empties the table and makes it hold partition (`depth`, `prefix`).
  func reset(depth: Int, prefix: UInt64) {
    memset(slots, 0, (mask + 1) * MemoryLayout<UInt64>.stride)
    count = 0
    self.depth = depth
    self.prefix = prefix
  }

  /// Whether `fingerprint` belongs to the table's partition.
  @inline(__always)
  func accepts(_ fingerprint: UInt64) -> Bool {
    depth == 0 || mix64(fingerprint) >> UInt64(64 - depth) == prefix
  }

  /// Whether `fingerprint` (of the table's partition) has been inserted.
  func contains(_ fingerprint: UInt64) -> Bool {
    var s = Int(truncatingIfNeeded: fingerprint) & mask
    while true {
      let e = slots[s]
      if e == 0 { return false }
      if e == fingerprint { return true }
      s = (s + 1) & mask
    }
  }

  /// Adds `fingerprint` if it belongs to the partition; one seen before becomes a suspect.
  func insert(_ fingerprint: UInt64) {
    guard accepts(fingerprint) else { return }
    var s = Int(truncatingIfNeeded: fingerprint) & mask
    while true {
      let e = slots[s]
      if e == 0 { break }
      if e == fingerprint {
        suspects.insert(fingerprint)
        return
      }
      s = (s + 1) & mask
    }
    slots[s] = fingerprint
    count += 1
    if count > maxCount { split() }
  }

  /// Halves the partition until the table is within budget.
  private func split() {
    while count > maxCount && depth < 64 {
      depth += 1
      prefix <<= 1
      pending.append((depth, prefix | 1))
      var kept: [UInt64] = []
      kept.reserveCapacity(count / 2 + 16)
      for s in 0...mask where slots[s] != 0 && accepts(slots[s]) { kept.append(slots[s]) }
      memset(slots, 0, (mask + 1) * MemoryLayout<UInt64>.stride)
      count = 0
      for f in kept {
        var s = Int(truncatingIfNeeded: f) & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = f
        count += 1
      }
    }
  }
}
