/// Sorting doubles by their bits: a least-significant-digit radix sort in O(n), for the
/// conflict count of range pooling, where the comparison sort of thousands of bounds per
/// quantity (and a binary search per bound) cost more than the rest of finding conflicts.
enum RadixSort {
  /// `xs` in increasing order, NaN-free input assumed (a NaN sorts by its bits: after +∞ when
  /// its sign is clear, before -∞ when set). -0.0 comes before +0.0 (they compare equal, so
  /// the result is still ordered by `<=`).
  static func sorted(_ xs: [Double]) -> [Double] {
    if xs.count < 2 { return xs }
    var keys = xs.map(key)
    var none: [Int32] = []
    sortKeys(&keys, carrying: &none)
    return keys.map(value)
  }

  /// `xs` in increasing order and, per position of the sorted copy, the index in `xs` of the
  /// value there (stable: equal values keep their order in `xs`). For ranks: the value at
  /// `xs[order[i]]` has rank `i + 1`, without a binary search per value.
  static func sortedWithOrder(_ xs: [Double]) -> (sorted: [Double], order: [Int32]) {
    let n = xs.count
    if n < 2 { return (xs, n == 1 ? [0] : []) }
    var keys = xs.map(key)
    var order = (0..<n).map { Int32(truncatingIfNeeded: $0) }
    sortKeys(&keys, carrying: &order)
    return (keys.map(value), order)
  }

  /// The order-preserving key of `x`: a negative number's bits flipped, a positive one's sign
  /// bit set.
  @inline(__always)
  private static func key(_ x: Double) -> UInt64 {
    let b = x.bitPattern
    return b >> 63 == 1 ? ~b : b | (1 << 63)
  }

  /// The double whose key is `k`.
  @inline(__always)
  private static func value(_ k: UInt64) -> Double {
    Double(bitPattern: k >> 63 == 1 ? k & ~(1 << 63) : ~k)
  }

  /// Sorts `keys` (at least two), and moves `order`'s entries with them when it has as many
  /// (empty: no order to carry). One histogram per byte, all in one pass; then a stable scatter
  /// per byte that not every key shares.
  private static func sortKeys(_ keys: inout [UInt64], carrying order: inout [Int32]) {
    let n = keys.count
    let carries = order.count == n
    var counts = [Int](repeating: 0, count: 8 * 256)
    var buffer = [UInt64](repeating: 0, count: n)
    var orderBuffer = [Int32](repeating: 0, count: carries ? n : 0)
    counts.withUnsafeMutableBufferPointer { counts in
      keys.withUnsafeMutableBufferPointer { keysStore in
        buffer.withUnsafeMutableBufferPointer { bufferStore in
          order.withUnsafeMutableBufferPointer { orderStore in
            orderBuffer.withUnsafeMutableBufferPointer { orderBufferStore in
              var from = keysStore
              var to = bufferStore
              var fromOrder = orderStore
              var toOrder = orderBufferStore
              for k in from {
                for d in 0..<8 { counts[d << 8 | Int(truncatingIfNeeded: k >> UInt64(8 * d)) & 0xff] += 1 }
              }
              for d in 0..<8 {
                let base = d << 8
                let shift = UInt64(8 * d)
                // A byte every key shares leaves the order as it is.
                if counts[base | Int(truncatingIfNeeded: from[0] >> shift) & 0xff] == n { continue }
                var offset = 0
                for b in 0..<256 {
                  let c = counts[base | b]
                  counts[base | b] = offset
                  offset += c
                }
                if carries {
                  for i in 0..<n {
                    let slot = base | Int(truncatingIfNeeded: from[i] >> shift) & 0xff
                    to[counts[slot]] = from[i]
                    toOrder[counts[slot]] = fromOrder[i]
                    counts[slot] += 1
                  }
                  swap(&fromOrder, &toOrder)
                } else {
                  for k in from {
                    let slot = base | Int(truncatingIfNeeded: k >> shift) & 0xff
                    to[counts[slot]] = k
                    counts[slot] += 1
                  }
                }
                swap(&from, &to)
              }
              // The sorted keys end in `from`: copied back when that is the buffer.
              if from.baseAddress != keysStore.baseAddress {
                for i in 0..<n { keysStore[i] = from[i] }
                if carries { for i in 0..<n { orderStore[i] = fromOrder[i] } }
              }
            }
          }
        }
      }
    }
  }
}
