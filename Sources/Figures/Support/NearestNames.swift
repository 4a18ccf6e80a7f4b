/// The names closest to a misspelt one, for "did you mean" messages.
///
/// Distance is Levenshtein's (insertions, deletions and substitutions of characters, each
/// counting 1; Levenshtein (1966), "Binary codes capable of correcting deletions, insertions,
/// and reversals"), computed on Unicode scalars with one row of the dynamic programme and
/// abandoned as soon as a row's minimum exceeds the cut-off.
public enum NearestNames {
  /// At most `limit` names of `candidates` within `max(2, name.count / 3)` edits of `name`,
  /// nearest first (ties in the candidates' order). Equal names are not suggested twice.
  ///
  /// Complexity: O(Σ |c|·|name|) over the candidates whose length is within the cut-off of
  /// `name`'s; the others are skipped in O(1) after counting their scalars.
  public static func nearest(to name: String, among candidates: [String], limit: Int = 5) -> [String] {
    let target = Array(name.unicodeScalars)
    let cutoff = max(2, target.count / 3)
    var found: [(distance: Int, order: Int, name: String)] = []
    var seen = Set<String>()
    var previous = [Int](repeating: 0, count: target.count + 1)
    var current = previous
    for (order, candidate) in candidates.enumerated() {
      let scalars = candidate.unicodeScalars
      guard abs(scalars.count - target.count) <= cutoff, !seen.contains(candidate) else { continue }
      for j in 0...target.count { previous[j] = j }
      var i = 0
      var abandoned = false
      for c in scalars {
        i += 1
        current[0] = i
        var rowMinimum = i
        for j in 1...max(1, target.count) where j <= target.count {
          let substitution = previous[j - 1] + (target[j - 1] == c ? 0 : 1)
          let value = min(substitution, previous[j] + 1, current[j - 1] + 1)
          current[j] = value
          rowMinimum = min(rowMinimum, value)
        }
        if rowMinimum > cutoff {
          abandoned = true
          break
        }
        swap(&previous, &current)
      }
      guard !abandoned else { continue }
      let distance = previous[target.count]
      if distance <= cutoff {
        seen.insert(candidate)
        found.append((distance, order, candidate))
      }
    }
    found.sort { ($0.distance, $0.order) < ($1.distance, $1.order) }
    return found.prefix(limit).map(\.name)
  }

  /// "did you mean 'a', 'b'? (the files have N quantities)", or the whole list when it is
  /// short: a message of bounded length however many names there are.
  public static func suggestion(for name: String, among candidates: [String], kind: String) -> String {
    if candidates.isEmpty { return "the files have no \(kind)" }
    if candidates.count <= 5 {
      return "the files have: \(candidates.joined(separator: ", "))"
    }
    let near = nearest(to: name, among: candidates)
    if near.isEmpty {
      return
        "none is spelt like it (the files have \(candidates.count) \(kind); the first: \(candidates.prefix(3).joined(separator: ", ")), …)"
    }
    return
      "did you mean \(near.map { "'\($0)'" }.joined(separator: ", "))? (the files have \(candidates.count) \(kind))"
  }
}
