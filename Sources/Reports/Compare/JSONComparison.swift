/// Compares two JSON documents by walking both trees together.
///
/// - Objects: members matched by name (order does not matter); a member in only one tree is a
///   missing or new column, reported at its parent's path.
/// - Arrays of objects: elements matched by an identifying member — the first of ``keyMembers``
///   that every element of both arrays has, as a string or number, with no repeats — else by
///   index. Path segments read `[id=ai-2000-range]` or `[3]` (0-based).
/// - Numbers: equal within the ``Tolerance``. Strings, booleans and null: exactly equal. A value
///   whose type changes (number → null, say) is a change.
///
/// The trajectory's figures (`$.trajectory` of a `summary.json`) are Monte Carlo estimates,
/// judged by ``MonteCarloFigures``.
///
/// Paths start at `$`; the report puts the parent's path in the ROW-KEY column and the member
/// name (or `[index]`) in the COLUMN column.
enum JSONComparison {
  /// Members that identify the elements of an array of objects, in order of preference.
  static let keyMembers = ["id", "quantity", "group", "period", "name"]

  /// The differences between `baseline` and `current`; `file` is the name reported.
  static func compare(baseline: JSONValue, current: JSONValue, file: String, tolerance: Tolerance)
    -> [Difference]
  {
    var walker = Walker(file: file, tolerance: tolerance)
    walker.walk(baseline, current, parent: "$", name: "(root)")
    return walker.diffs
  }

  struct Walker {
    var file: String
    var tolerance: Tolerance
    var diffs: [Difference] = []
    /// The log width of the 90% interval of the Monte Carlo object being walked.
    var width: Double?
    /// The log width of a series' `relative_low`–`relative_high`, by which its `relative_*` members are judged.
    var relativeWidth: Double?

    mutating func walk(_ b: JSONValue, _ c: JSONValue, parent: String, name: String) {
      let path = name == "(root)" ? parent : (name.hasPrefix("[") ? parent + name : parent + "." + name)
      if name != "(root)", MonteCarloFigures.isTrajectory(file: file, path: path), monteCarlo(b, c, parent, name) {
        return
      }
      switch (b, c) {
      case (.object(let bm), .object(let cm)):
        let outer = (width, relativeWidth)
        defer { (width, relativeWidth) = outer }
        if MonteCarloFigures.isTrajectory(file: file, path: path) {
          let member = { (n: String) -> Double? in
            if case .number(let x, _)? = bm.first(where: { $0.name == n })?.value { return x }
            return nil
          }
          width = MonteCarloFigures.logWidth(member)
          relativeWidth = MonteCarloFigures.relativeLogWidth(member)
        }
        var cByName: [String: JSONValue] = [:]
        for m in cm where cByName[m.name] == nil { cByName[m.name] = m.value }
        var bNames = Set<String>()
        for m in bm where bNames.insert(m.name).inserted {
          if let cv = cByName[m.name] {
            walk(m.value, cv, parent: path, name: m.name)
          } else {
            diffs.append(
              Difference(kind: .missingColumn, file: file, key: path, column: m.name, baseline: m.value.brief))
          }
        }
        var reported = Set<String>()
        for m in cm where !bNames.contains(m.name) && reported.insert(m.name).inserted {
          diffs.append(Difference(kind: .newColumn, file: file, key: path, column: m.name, current: m.value.brief))
        }
      case (.array(let ba), .array(let ca)):
        let bKeyed = JSONComparison.keyed(ba, other: ca)
        let cKeyed = JSONComparison.keyed(ca, other: ba)
        var cByKey: [String: JSONValue] = [:]
        for (k, v) in cKeyed { cByKey[k] = v }
        var bKeys = Set<String>()
        for (k, v) in bKeyed {
          bKeys.insert(k)
          if let cv = cByKey[k] {
            walk(v, cv, parent: path, name: k)
          } else {
            diffs.append(Difference(kind: .missingRow, file: file, key: path, column: k, baseline: v.brief))
          }
        }
        for (k, v) in cKeyed where !bKeys.contains(k) {
          diffs.append(Difference(kind: .newRow, file: file, key: path, column: k, current: v.brief))
        }
      case (.number(let x, let xt), .number(let y, let yt)):
        if xt == yt || tolerance.accepts(baseline: x, current: y) { return }
        diffs.append(
          Difference(
            kind: .changed, file: file, key: parent, column: name, baseline: xt, current: yt,
            relativeChange: x == 0 ? nil : (y - x) / abs(x)))
      default:
        if b == c { return }
        diffs.append(
          Difference(kind: .changed, file: file, key: parent, column: name, baseline: b.brief, current: c.brief))
      }
    }

    /// Judges a member of the trajectory by its ``MonteCarloFigures`` rule; false when the
    /// ordinary comparison is to go on (a strict member, a container to walk).
    mutating func monteCarlo(_ b: JSONValue, _ c: JSONValue, _ parent: String, _ name: String) -> Bool {
      let rule = MonteCarloFigures.rule(parent: parent, name: name)
      if rule == .informational {
        if b != c {
          diffs.append(
            Difference(kind: .monteCarlo, file: file, key: parent, column: name, baseline: b.brief, current: c.brief))
        }
        return true
      }
      guard rule != .strict, case .number(let x, let xt) = b, case .number(let y, let yt) = c else { return false }
      let band = name.hasPrefix("relative_") ? relativeWidth : width
      if xt == yt || MonteCarloFigures.accepts(baseline: x, current: y, rule: rule, width: band, tolerance: tolerance) {
        return true
      }
      diffs.append(
        Difference(
          kind: .changed, file: file, key: parent, column: name, baseline: xt, current: yt,
          relativeChange: x == 0 ? nil : (y - x) / abs(x)))
      return true
    }
  }

  /// The elements of `items` with their path segments: `[member=value]` when an identifying
  /// member works for both arrays, else `[index]`.
  static func keyed(_ items: [JSONValue], other: [JSONValue]) -> [(String, JSONValue)] {
    if let member = keyMember(items, other) {
      return items.map { item in ("[\(member)=\(item.member(member).map(keyText) ?? "")]", item) }
    }
    return items.enumerated().map { ("[\($0.offset)]", $0.element) }
  }

  /// The first of ``keyMembers`` that every element of both arrays has as a string or number,
  /// without repeats within either array.
  static func keyMember(_ a: [JSONValue], _ b: [JSONValue]) -> String? {
    guard !a.isEmpty || !b.isEmpty else { return nil }
    for name in keyMembers {
      if unique(a, name) && unique(b, name) { return name }
    }
    return nil
  }

  static func unique(_ items: [JSONValue], _ name: String) -> Bool {
    var seen = Set<String>()
    for item in items {
      guard let v = item.member(name) else { return false }
      switch v {
      case .string, .number: break
      default: return false
      }
      guard seen.insert(keyText(v)).inserted else { return false }
    }
    return true
  }

  static func keyText(_ v: JSONValue) -> String {
    switch v {
    case .string(let s): return s
    default: return v.brief
    }
  }
}
