import FoundationEssentials

/// The checks across rows of a figures file: ids are unique, `derived_from` and `supersedes`
/// name known ids (`supersedes` not the row's own), and no figure is derived from itself
/// through a chain.
extension FiguresBuilder {
  /// Unique ids, known `derived_from` and `supersedes` targets, no cycles.
  mutating func checkProvenance(
    _ figures: [Figure], idFields: [CSVField?], derivedFields: [CSVField?]
  ) {
    // Index loops, not `for figure in figures`: copying a Figure retains a dozen strings.
    var indexByID: [String: Int] = [:]
    indexByID.reserveCapacity(figures.count)
    for index in figures.indices {
      guard let field = idFields[index], !field.value.trimmingWhitespace().isEmpty else { continue }
      let id = figures[index].id
      if let first = indexByID[id] {
        errors.append(
          .error(
            "duplicate id '\(Diagnostic.excerpt(id))' (first used on line \(figures[first].location.line))",
            at: location(field)))
      } else {
        indexByID[id] = index
      }
    }
    // Edges: figure -> figures it is derived from.
    var edges: [[Int]] = Array(repeating: [], count: figures.count)
    for index in figures.indices {
      for target in figures[index].derivedFrom {
        if let t = indexByID[target] {
          edges[index].append(t)
        } else if let field = derivedFields[index] {
          errors.append(
            .error("derived_from names unknown id '\(Diagnostic.excerpt(target))'", at: location(field)))
        }
      }
    }
    // supersedes names other figures of the file.
    for index in figures.indices {
      guard let field = supersedesFields[index] else { continue }
      for target in figures[index].supersedes {
        if indexByID[target] == nil {
          errors.append(
            .error("supersedes names unknown id '\(Diagnostic.excerpt(target))'", at: location(field)))
        } else if indexByID[target] == index {
          errors.append(
            .error(
              "supersedes names the row's own id '\(Diagnostic.excerpt(target))': a figure cannot revise itself",
              at: location(field)))
        }
      }
    }
    // Iterative depth-first search in file order; each back edge closes one cycle.
    enum Mark { case unvisited, onPath, done }
    var marks = Array(repeating: Mark.unvisited, count: figures.count)
    var stack: [(node: Int, next: Int)] = []
    // Where each figure on the path stands in `stack` (-1 when off it), so that a cycle is
    // found without copying the path.
    var positionOnPath = Array(repeating: -1, count: figures.count)
    for root in figures.indices where marks[root] == .unvisited && !edges[root].isEmpty {
      stack.removeAll(keepingCapacity: true)
      stack.append((root, 0))
      positionOnPath[root] = 0
      marks[root] = .onPath
      while let top = stack.last {
        let node = top.node
        if top.next < edges[node].count {
          stack[stack.count - 1].next += 1
          let target = edges[node][top.next]
          switch marks[target] {
          case .unvisited:
            marks[target] = .onPath
            positionOnPath[target] = stack.count
            stack.append((target, 0))
          case .onPath:
            // The cycle's ids, the first ten of a long one.
            let start = max(0, positionOnPath[target])
            let length = stack.count - start
            var cycle = stack[start..<min(stack.count, start + 10)].map {
              Diagnostic.excerpt(figures[$0.node].id, limit: 80)
            }
            if length > 10 { cycle.append("… (\(length) figures)") }
            cycle.append(Diagnostic.excerpt(figures[target].id, limit: 80))
            let field = derivedFields[target]
            errors.append(
              .error(
                "derived_from cycle: \(cycle.joined(separator: " -> "))",
                at: field.map(location) ?? figures[target].location))
          case .done:
            break
          }
        } else {
          marks[node] = .done
          positionOnPath[node] = -1
          stack.removeLast()
        }
      }
    }
  }
}
