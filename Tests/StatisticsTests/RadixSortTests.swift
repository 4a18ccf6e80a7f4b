import Foundation
import Testing

@testable import Statistics

@Suite("Radix sort of doubles")
struct RadixSortTests {
  @Test("Same order as sorted(): signs, zeros, infinities, subnormals, repeats, shared bytes")
  func againstSorted() {
    var g = SplitMix(state: 77)
    let specials: [Double] = [
      0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
      .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1, -1, 0.5, 2,
    ]
    for trial in 0..<300 {
      let n = trial < 20 ? trial : Int.random(in: 0...2000, using: &g)
      let xs: [Double] = (0..<n).map { _ in
        switch Int.random(in: 0..<6, using: &g) {
        case 0: return specials[Int.random(in: 0..<specials.count, using: &g)]
        case 1: return Double(Int.random(in: -5...5, using: &g))  // many repeats
        case 2: return Double(Int.random(in: 1_000...450_000, using: &g))  // low bytes all zero
        // Subnormal or zero.
        case 3: return Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &g) & ~(0x7ff << 52))
        default: return Double.random(in: -1e6...1e6, using: &g) * (trial % 2 == 0 ? 1 : 1e-300)
        }
      }
      let radix = RadixSort.sorted(xs)
      let reference = xs.sorted()
      // Equal as numbers (-0.0 == 0.0: their relative order is free), and -0.0 before +0.0.
      #expect(radix == reference, "trial \(trial)")
      #expect(
        zip(radix, radix.dropFirst()).allSatisfy {
          $0.0 < $0.1 || $0.0.bitPattern == $0.1.bitPattern || ($0.0 == 0 && $0.0.sign == .minus)
        })
      #expect(radix.map(\.bitPattern).sorted() == xs.map(\.bitPattern).sorted(), "a permutation, trial \(trial)")
      // With the order: the same sorted values, each from the index the order names, every
      // index once, and equal values in their order in xs (stable, for ranks of ties).
      let (sorted, order) = RadixSort.sortedWithOrder(xs)
      #expect(sorted.map(\.bitPattern) == radix.map(\.bitPattern), "trial \(trial)")
      #expect(order.map { xs[Int($0)].bitPattern } == sorted.map(\.bitPattern), "trial \(trial)")
      #expect(order.map { Int($0) }.sorted() == Array(0..<n), "trial \(trial)")
      #expect(
        zip(order, order.dropFirst()).allSatisfy {
          xs[Int($0.0)].bitPattern != xs[Int($0.1)].bitPattern || $0.0 < $0.1
        },
        "stable, trial \(trial)")
    }
  }
}
