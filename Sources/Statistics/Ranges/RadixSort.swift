/// Sorting doubles by their bits: a least-significant-digit radix sort in O(n), for the
/// conflict count of range pooling, where the comparison sort of thousands of bounds per
/// quantity (and a binary search per bound) cost more than the rest of finding conflicts.
enum RadixSort {
  /// `xs` in increasing order, NaN-free input assumed (a NaN sorts by its bits: after +∞ when
  /// its sign is clear, before -∞ when set). -0.0 comes before +0.0 (they compare equal, so
  /// the result is still ordered by `<=`).
  static func sorted(_ xs: [Double]) -> [Double] {
    let n = xs.count
    if n < 2 { return xs }
    // Order-preserving keys: negative numbers' bits flipped, positive ones' sign bit set.
    var keys = xs.map { x -> UInt64 in
      let b = x.bitPattern
      return b >> 63 == 1 ? ~b : b | (1 << 63)
    }
    // One histogram per byte, all in one pass; then a scatter per byte that not every key shares.
    var counts = [Int](repeating: 0, count: 8 * 256)
    var buffer = [UInt64](repeating: 0, count: n)
    counts.withUnsafeMutableBufferPointer { counts in
      keys.withUnsafeMutableBufferPointer { keysStore in
        buffer.withUnsafeMutableBufferPointer { bufferStore in
          var from = keysStore
          var to = bufferStore
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
            for k in from {
              let slot = base | Int(truncatingIfNeeded: k >> shift) & 0xff
              to[counts[slot]] = k
              counts[slot] += 1
            }
            swap(&from, &to)
          }
          // The sorted keys end in `from`: copied back when that is the buffer.
          if from.baseAddress != keysStore.baseAddress {
            for i in 0..<n { keysStore[i] = from[i] }
          }
        }
      }
    }
    return keys.map { k in Double(bitPattern: k >> 63 == 1 ? k & ~(1 << 63) : ~k) }
  }

  /// `xs` in increasing order and, per position of the sorted copy, the index in `xs` of the
  /// value there (stable: equal values keep their order in `xs`). For ranks: the value at
  /// `xs[order[i]]` has rank `i + 1`, without a binary search per value.
  static func sortedWithOrder(_ xs: [Double]) -> (sorted: [Double], order: [Int32]) {
    let n = xs.count
    if n < 2 { return (xs, n == 1 ? [0] : []) }
    var keys = xs.map { x -> UInt64 in
      let b = x.bitPattern
      return b >> 63 == 1 ? ~b : b | (1 << 63)
    }
    var order = (0..<n).map { Int32(truncatingIfNeeded: $0) }
    var counts = [Int](repeating: 0, count: 8 * 256)
    var keyBuffer = [UInt64](repeating: 0, count: n)
    var orderBuffer = [Int32](repeating: 0, count: n)
    counts.withUnsafeMutableBufferPointer { counts in
      keys.withUnsafeMutableBufferPointer { keysStore in
        keyBuffer.withUnsafeMutableBufferPointer { keyBufferStore in
          order.withUnsafeMutableBufferPointer { orderStore in
            orderBuffer.withUnsafeMutableBufferPointer { orderBufferStore in
              var from = keysStore
              var to = keyBufferStore
              var fromOrder = orderStore
              var toOrder = orderBufferStore
              for k in from {
                for d in 0..<8 { counts[d << 8 | Int(truncatingIfNeeded: k >> UInt64(8 * d)) & 0xff] += 1 }
              }
              for d in 0..<8 {
                let base = d << 8
                let shift = UInt64(8 * d)
                if counts[base | Int(truncatingIfNeeded: from[0] >> shift) & 0xff] == n { continue }
                var offset = 0
                for b in 0..<256 {
                  let c = counts[base | b]
                  counts[base | b] = offset
                  offset += c
                }
                for i in 0..<n {
                  let k = from[i]
                  let slot = base | Int(truncatingIfNeeded: k >> shift) & 0xff
                  to[counts[slot]] = k
                  toOrder[counts[slot]] = fromOrder[i]
                  counts[slot] += 1
                }
                swap(&from, &to)
                swap(&fromOrder, &toOrder)
              }
              if from.baseAddress != keysStore.baseAddress {
                for i in 0..<n {
                  keysStore[i] = from[i]
                  orderStore[i] = fromOrder[i]
                }
              }
            }
          }
        }
      }
    }
    return (keys.map { k in Double(bitPattern: k >> 63 == 1 ? k & ~(1 << 63) : ~k) }, order)
  }
}
