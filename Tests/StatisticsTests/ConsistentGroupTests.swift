import Testing

@testable import Statistics

@Suite("The largest group of mutually consistent sources")
struct ConsistentGroupTests {
  /// The project's SplitMix64, with an Int draw below `n`.
  struct Mix {
    var generator: SplitMix64
    init(state: UInt64) { generator = SplitMix64(state: state) }
    mutating func below(_ n: Int) -> Int { Int(generator.next() % UInt64(n)) }
  }

  @Test("Against a brute-force search over every subset: the size, the shared range, the members")
  func bruteForce() {
    var mix = Mix(state: 30)
    for trial in 0..<400 {
      let n = 1 + mix.below(10)
      // Points, ranges and half-lines on a coarse grid, so that ties and touching ends occur.
      var bounds: [(input: Int, low: Double, high: Double)] = []
      for k in 0..<n {
        let a = Double(mix.below(12))
        let b = a + Double(mix.below(5))
        switch mix.below(5) {
        case 0: bounds.append((k, a, a))
        case 1: bounds.append((k, a, .infinity))
        case 2: bounds.append((k, -.infinity, b))
        default: bounds.append((k, a, b))
        }
      }
      let inputs = (0..<n).map { RangeInput(id: "s\($0)", low: nil, high: nil, value: 1, coverage: 0.9) }
      let group = RangePooling.consistentGroup(bounds, of: inputs)
      // Brute force: the largest subset whose intervals overlap pairwise.
      var best = 0
      for mask in 1..<(1 << n) {
        let members = (0..<n).filter { mask & (1 << $0) != 0 }
        let pairwise = members.allSatisfy { i in
          members.allSatisfy { j in bounds[i].low <= bounds[j].high && bounds[j].low <= bounds[i].high }
        }
        if pairwise { best = max(best, members.count) }
      }
      guard let group else {
        Issue.record("trial \(trial): no group")
        continue
      }
      #expect(group.ids.count == best, "trial \(trial): \(bounds)")
      #expect(group.ids.count + group.outside.count == n)
      // The members overlap pairwise, and the shared range is their intersection.
      let members = bounds.filter { group.ids.contains("s\($0.input)") }
      let low = members.map(\.low).max() ?? 0
      let high = members.map(\.high).min() ?? 0
      #expect(low <= high, "trial \(trial)")
      #expect(group.low == (low.isFinite ? low : nil) && group.high == (high.isFinite ? high : nil), "trial \(trial)")
    }
  }
}
