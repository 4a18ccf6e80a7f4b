import Numerics

extension RangePooling {
  /// The pooled sources that overlap no other, and the disjoint pairs among them.
  ///
  /// A source overlaps no other exactly when its high is below the largest low of the
  /// others, or its low above the smallest high of the others: found in O(k) from the two
  /// largest lows and the two smallest highs. The pairs are counted in O(c) (O(c log c) when
  /// some source is odd: NaN, or low above high) over the c conflicting sources, and the
  /// first `maxListedPairs` are listed in input order.
  ///
  /// - Parameters:
  ///   - bounds: each source's bounds in the envelope and intersection, with its position in
  ///     `inputs`.
  ///   - inputs: the inputs, for the sources' ids.
  /// - Returns: the ids of the conflicting sources (in input order), the listed pairs and the
  ///   number of pairs in all.
  static func disjointSources(
    _ bounds: [(input: Int, low: Double, high: Double)], of inputs: [RangeInput]
  ) -> (conflicts: [String], pairs: [(String, String)], pairCount: Int) {
    var maxLow = -Double.infinity
    var secondLow = -Double.infinity
    var minHigh = Double.infinity
    var secondHigh = Double.infinity
    for b in bounds {
      if b.low > maxLow {
        secondLow = maxLow
        maxLow = b.low
      } else if b.low > secondLow {
        secondLow = b.low
      }
      if b.high < minHigh {
        secondHigh = minHigh
        minHigh = b.high
      } else if b.high < secondHigh {
        secondHigh = b.high
      }
    }
    var conflicts: [String] = []
    // Positions in `bounds` of the conflicting sources, and whether some source is odd (NaN,
    // or low above high).
    var conflicting: [Int] = []
    var odd = false
    for (k, b) in bounds.enumerated() {
      let otherMaxLow = bounds.count > 1 ? (maxLow == b.low ? secondLow : maxLow) : -.infinity
      let otherMinHigh = bounds.count > 1 ? (minHigh == b.high ? secondHigh : minHigh) : .infinity
      if b.high < otherMaxLow || b.low > otherMinHigh {
        conflicts.append(inputs[b.input].id)
        conflicting.append(k)
      }
      if !(b.low <= b.high) { odd = true }
    }
    var pairs: [(String, String)] = []
    var pairCount = 0
    if !conflicts.isEmpty {
      // The candidates are the sources whose id is among the conflicting ones. When every
      // source has low ≤ high (no NaN), a source that conflicts with none overlaps every other
      // (its high is at least every other low, its low at most every other high): it adds no
      // pair and nothing to the count whether it is a candidate or not, and the conflicting
      // sources themselves will do, without hashing ids. With an odd source (NaN, or low
      // above high: it counts against itself) one sharing an id with a conflicting source can
      // matter, and the candidates are picked by id.
      let candidates: [(input: Int, low: Double, high: Double)]
      if odd {
        let involved = Set(conflicts)
        candidates = bounds.filter { involved.contains(inputs[$0.input].id) }
      } else {
        candidates = conflicting.map { bounds[$0] }
      }
      // A disjoint pair has exactly one member whose high is below the other's low, so the
      // count is Σᵢ #{j : low_j > high_i}.
      if odd {
        // In O(c log c), by binary search among the sorted lows (which may hold NaN).
        let candidateLows = candidates.map(\.low).sorted()
        for c in candidates {
          // First index whose low exceeds c.high.
          var lo = 0
          var hi = candidateLows.count
          while lo < hi {
            let mid = (lo + hi) / 2
            if candidateLows[mid] > c.high { hi = mid } else { lo = mid + 1 }
          }
          pairCount += candidateLows.count - lo
        }
      } else {
        // In O(c): lows and highs (no NaN) sorted by radix, then one merge: for each high in
        // increasing order, the lows at most it are a growing prefix of the sorted lows.
        let lows = RadixSort.sorted(candidates.map(\.low))
        let highs = RadixSort.sorted(candidates.map(\.high))
        var atMost = 0
        for h in highs {
          while atMost < lows.count && lows[atMost] <= h { atMost += 1 }
          pairCount += lows.count - atMost
        }
      }
      // List the first pairs in input order (i < j), stopping once enough are listed.
      listing: for i in candidates.indices {
        for j in candidates.indices where j > i {
          if candidates[i].high < candidates[j].low || candidates[j].high < candidates[i].low {
            pairs.append((inputs[candidates[i].input].id, inputs[candidates[j].input].id))
            if pairs.count == maxListedPairs { break listing }
          }
        }
      }
    }
    return (conflicts, pairs, pairCount)
  }
}

/// The largest group of pooled sources whose stated ranges all overlap, each range taken as
/// printed (a point as its value, a bound as a half-line): the sources that agree on one value
/// more than any other, and the range they share.
public struct ConsistentGroup: Sendable, Equatable {
  /// The sources in the group, in input order.
  public var ids: [String]
  /// The range every source of the group allows (nil: open on that side).
  public var low: Double?
  public var high: Double?
  /// The pooled sources outside the group, in input order.
  public var outside: [String]
}

extension RangePooling {
  /// The largest group of mutually consistent sources: closed intervals on a line that
  /// overlap pairwise share a point (Helly's theorem in one dimension), so the group is the
  /// set of sources covering the point covered by the most — found by one sweep over the
  /// sorted ends, O(k log k). Ties go to the lowest such point. Sources with a NaN end take no
  /// part. Nil with no source.
  static func consistentGroup(
    _ bounds: [(input: Int, low: Double, high: Double)], of inputs: [RangeInput]
  ) -> ConsistentGroup? {
    let valid = bounds.filter { $0.low <= $0.high }
    guard !valid.isEmpty else { return nil }
    // Starts before ends at the same value: closed intervals that touch overlap.
    var events: [(x: Double, end: Bool)] = []
    events.reserveCapacity(2 * valid.count)
    for b in valid {
      events.append((b.low, false))
      events.append((b.high, true))
    }
    events.sort { $0.x != $1.x ? $0.x < $1.x : (!$0.end && $1.end) }
    var depth = 0
    var best = 0
    var at = valid[0].low
    for e in events {
      if e.end {
        depth -= 1
      } else {
        depth += 1
        if depth > best {
          best = depth
          at = e.x
        }
      }
    }
    let members = valid.filter { $0.low <= at && at <= $0.high }
    let inGroup = Set(members.map(\.input))
    let low = members.map(\.low).max() ?? at
    let high = members.map(\.high).min() ?? at
    return ConsistentGroup(
      ids: bounds.map(\.input).filter { inGroup.contains($0) }.map { inputs[$0].id },
      low: low.isFinite ? low : nil, high: high.isFinite ? high : nil,
      outside: bounds.map(\.input).filter { !inGroup.contains($0) }.map { inputs[$0].id })
  }
}
